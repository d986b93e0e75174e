-- Seed 000, step 3: the 2024 archive's existing table and data, as the seed sets it up.
CREATE TABLE emp_2024 (
    id INT NOT NULL,
    name TEXT NOT NULL,
    time TIMESTAMP NOT NULL,
    department TEXT,
    salary DECIMAL(10,2),
    CHECK (time >= '2024-01-01' AND time < '2025-01-01')
);
CREATE INDEX idx_emp_2024_time ON emp_2024(time);
CREATE INDEX idx_emp_2024_id ON emp_2024(id);
CREATE INDEX idx_emp_2024_name ON emp_2024(name);
INSERT INTO emp_2024 VALUES
    (1, 'Alice Johnson', '2024-03-15 09:00:00', 'Engineering', 95000.00),
    (2, 'Bob Smith', '2024-06-22 10:30:00', 'Sales', 75000.00),
    (3, 'Carol White', '2024-09-10 14:15:00', 'HR', 68000.00),
    (4, 'David Brown', '2024-11-05 11:20:00', 'Engineering', 102000.00);
ANALYZE emp_2024;
GRANT SELECT, INSERT, UPDATE, DELETE ON emp_2024 TO fdw_reader;
