"""location: recycling bins and centres near a point; Kakao Local geocoding when configured."""
