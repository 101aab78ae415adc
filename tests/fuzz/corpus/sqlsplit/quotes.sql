SELECT E'a\'b;c', 'it''s;', "we;ird""id";
SELECT U&'\0041';
