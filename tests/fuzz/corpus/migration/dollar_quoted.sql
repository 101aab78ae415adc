-- A hand-written comment before the headers.
--retort:revision 7c1e0b9a8d2f
--   retort:down_revision 0a1b2c3d4e5f
-- retort:message add touch() trigger function, héllo

-- plain comment between headers and sections
-- retort:upgrade


CREATE FUNCTION touch() RETURNS trigger AS $body$
BEGIN
    NEW.updated_at := now();  -- ; inside

    RETURN NEW;
END;
$body$ LANGUAGE plpgsql;


-- retort:downgrade
DROP FUNCTION touch();

   
