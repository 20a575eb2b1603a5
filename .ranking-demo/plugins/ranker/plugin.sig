{
  "algorithm": "ecdsa-p256-sha256",
  "keyId": "d5e9ba5955a65430234ec133c8eff6a2",
  "signature": "hjtVeDm/hBJ2LoYt8jprn1xvfcV8wf5H4NNB0G5HBdpbgdVW9BDl72t0lm8rDy79YtY3aLOX3eNdSybdy9P0Cw=="
}
