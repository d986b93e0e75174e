-- Seed 003's source: a crm server's customers table, which other servers want a local copy of.
CREATE TABLE customers (
    id bigint PRIMARY KEY,
    name text NOT NULL,
    email text,
    city text,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO customers (id, name, email, city)
SELECT g, 'Customer ' || g, 'customer' || g || '@example.com',
       (ARRAY['Lisbon', 'Oslo', 'Quito', 'Perth', 'Accra'])[1 + g % 5]
FROM generate_series(1, 1000) g;
GRANT SELECT ON customers TO fdw_reader;
