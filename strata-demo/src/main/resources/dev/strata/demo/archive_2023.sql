-- Seed 000, step 3: the 2023 archive's existing table and data, as the seed sets it up.
CREATE TABLE emp_2023 (
    id INT NOT NULL,
    name TEXT NOT NULL,
    time TIMESTAMP NOT NULL,
    department TEXT,
    salary DECIMAL(10,2),
    CHECK (time >= '2023-01-01' AND time < '2024-01-01')
);
CREATE INDEX idx_emp_2023_time ON emp_2023(time);
CREATE INDEX idx_emp_2023_id ON emp_2023(id);
CREATE INDEX idx_emp_2023_name ON emp_2023(name);
INSERT INTO emp_2023 VALUES
    (5, 'Eve Davis', '2023-02-10 08:45:00', 'Marketing', 72000.00),
    (6, 'Frank Miller', '2023-05-18 13:00:00', 'Engineering', 98000.00),
    (7, 'Grace Lee', '2023-08-25 09:30:00', 'Sales', 82000.00),
    (8, 'Henry Wilson', '2023-12-01 15:45:00', 'Operations', 65000.00);
ANALYZE emp_2023;
GRANT SELECT, INSERT, UPDATE, DELETE ON emp_2023 TO fdw_reader;
