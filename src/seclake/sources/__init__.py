"""Sources of security events: pure mappings from a vendor's export format to security events."""
