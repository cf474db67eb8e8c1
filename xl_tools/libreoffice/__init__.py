"""LibreOffice faces: headless recalculation (:mod:`.recalc`) and the Calc functions
(``=FK_ANDEL(...)``) installed into a LibreOffice profile (:mod:`.install`)."""
