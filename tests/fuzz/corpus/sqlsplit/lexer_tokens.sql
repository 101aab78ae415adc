\set ON_ERROR_STOP on
SELECT U&'d\0061t' UESCAPE '!', B'01', X'1F', E'\'';
SELECT $a$ $b$ inner $b$ $a$, "a""b" /* /* nested */ */, $1, 1.5e-3, 0x1F, 1_000, a=-1, x::int;
\.
