-- Seed 000, step 2: the application's partitioned table on the main instance.
-- (The application owns this table; Strata adds partitions to it.)
CREATE TABLE emp (
    id INT NOT NULL,
    name TEXT NOT NULL,
    time TIMESTAMP NOT NULL,
    department TEXT,
    salary DECIMAL(10,2)
) PARTITION BY RANGE (time);
