"""The monitor sidebar: GPU, Ollama, system and throughput panels."""
