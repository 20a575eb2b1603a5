using BenchmarkDotNet.Attributes;
using Hotplug.Packaging;

namespace Hotplug.Benchmarks;

/// <summary>
/// What verification adds to loading a 1 MiB signed package: the signature over plugin.json and the
/// SHA-256 of every file, on the store's copy.
/// </summary>
[MemoryDiagnoser]
public class VerificationBenchmarks
{
    private string _root = null!;
    private string _folder = null!;
    private string _zip = null!;
    private TrustStore _trust = null!;
    private SigningKey _key = null!;

    [GlobalSetup]
    public void Setup()
    {
        _root = BenchPlugin.TempRoot();
        _folder = BenchPlugin.CreateFolder(_root, "calc", "1.0.0");
        var payload = new byte[1024 * 1024 - new DirectoryInfo(_folder).EnumerateFiles().Sum(f => (int)f.Length)];
        new Random(1).NextBytes(payload);
        File.WriteAllBytes(Path.Combine(_folder, "data.bin"), payload);
        _key = SigningKey.Generate();
        _zip = PluginPackager.Pack(_folder, Path.Combine(_root, "calc.zip"), _key).ZipPath;
        File.WriteAllText(Path.Combine(_root, "publisher.pub"), _key.PublicKeyPem);
        _trust = TrustStore.Load(Path.Combine(_root, "publisher.pub"));
        var size = new DirectoryInfo(_folder).EnumerateFiles().Sum(f => f.Length);
        Console.WriteLine($"// package: {size} bytes in {new DirectoryInfo(_folder).GetFiles().Length} files");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _trust.Dispose();
        _key.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    /// <summary>The check the host runs on the store's copy of a 1 MiB package: signature, file list, sizes, hashes.</summary>
    [Benchmark(Description = "verify 1 MiB package (signature + every file's SHA-256)")]
    public string? VerifyFolder() => PluginPackager.Verify(_folder, _trust).KeyId;

    /// <summary>The same, from a zip: extraction into a temporary folder included.</summary>
    [Benchmark(Description = "extract and verify 1 MiB zipped package")]
    public string? VerifyZip() => PluginPackager.Verify(_zip, _trust).KeyId;
}
