;;;
  ;
-- only
