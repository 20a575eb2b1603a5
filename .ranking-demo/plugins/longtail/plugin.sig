{
  "algorithm": "ecdsa-p256-sha256",
  "keyId": "d5e9ba5955a65430234ec133c8eff6a2",
  "signature": "8wiiJe\u002BR1fcQOLiBUKzqXYLjqjUH9odWldy0a5AenlbQnU8ah4WaEYmTfiY4yGzxmI1mxFni08D2qRbRENn/3A=="
}
