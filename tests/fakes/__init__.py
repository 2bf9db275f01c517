"""Stand-ins for partners that cannot run here, faked at the HTTP boundary on loopback."""
