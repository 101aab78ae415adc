CREATE TABLE a (id int);
INSERT INTO a VALUES (1); -- c;
/* a /* nested; */ ; */ SELECT ';';
