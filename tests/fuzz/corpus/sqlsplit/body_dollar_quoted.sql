-- retort:upgrade


CREATE FUNCTION touch() RETURNS trigger AS $body$
BEGIN
    NEW.updated_at := now();  -- ; inside

    RETURN NEW;
END;
$body$ LANGUAGE plpgsql;


-- retort:downgrade
DROP FUNCTION touch();

   
