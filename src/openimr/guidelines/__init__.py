"""The engine side of the guideline pack: schema, loader, editions, hierarchy."""
