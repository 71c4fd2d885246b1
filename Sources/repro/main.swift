print("repro: not implemented yet")
