"""MongoDB and Kafka adapters; the staff-directory copy lives in jalon_shared.directory."""
