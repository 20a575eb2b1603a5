{
  "algorithm": "ecdsa-p256-sha256",
  "keyId": "d5e9ba5955a65430234ec133c8eff6a2",
  "signature": "wTegpuYV6MKqhW7UbnfFqleLa0HmvwmoAUVVjC2XIkZPSCH\u002B\u002BgShY6O6yKpVf7r\u002BFS4FxnSXI26JYvwdk6uI5Q=="
}
