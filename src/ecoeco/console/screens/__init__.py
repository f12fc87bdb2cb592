"""One screen per area of the console; ``AREA_SCREENS`` maps mode name to screen class."""
