/* open comment
SELECT 1;
