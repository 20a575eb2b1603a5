using System.CommandLine;
using Hotplug.Packaging;

namespace Hotplug.Cli;

/// <summary><c>hotplug keygen</c>, <c>pack</c>, <c>sign</c> and <c>verify</c>: building and checking signed packages.</summary>
internal static class PackageCommands
{
    public static Command KeyGen()
    {
        var output = new Option<string>("--out") { Description = "Base path of the key files: writes <out>.key (private, mode 0600) and <out>.pub.", Required = true };
        var command = new Command("keygen", "Create an ECDSA P-256 signing key pair.") { output };
        command.SetAction(parse => Run(() =>
        {
            using var key = SigningKey.Generate();
            var basePath = parse.GetValue(output)!;
            if (File.Exists(basePath + ".key"))
            {
                throw new PluginException($"{basePath}.key exists; refusing to overwrite a private key.");
            }

            var (privatePath, publicPath) = key.Save(basePath);
            Console.Out.WriteLine($"key id {key.KeyId}");
            Console.Out.WriteLine($"private key {privatePath} (keep it secret)");
            Console.Out.WriteLine($"public key  {publicPath} (put it in each host's trust folder)");
        }));
        return command;
    }

    /// <summary><c>hotplug bus-keygen</c>: a bus member's key pair.</summary>
    public static Command BusKeyGen()
    {
        var output = new Option<string>("--out") { Description = "Base path of the key files: writes <out>.key (the member's secret, mode 0600) and <out>.pub.", Required = true };
        var command = new Command("bus-keygen", "Create a bus member's CURVE key pair (Z85).") { output };
        command.SetAction(parse => Run(() =>
        {
            var basePath = parse.GetValue(output)!;
            if (File.Exists(basePath + ".key"))
            {
                throw new PluginException($"{basePath}.key exists; refusing to overwrite a secret key.");
            }

            var (secretPath, publicPath) = Hotplug.Bus.BusKeys.Create().Save(basePath);
            Console.Out.WriteLine($"secret key {secretPath} (give it to the member only)");
            Console.Out.WriteLine($"public key {publicPath} (put it in each host's bus trust folder, <state>/bus/trusted by default)");
        }));
        return command;
    }

    public static Command Pack()
    {
        var folder = new Argument<string>("dir") { Description = "The plugin folder, with its plugin.json." };
        var output = new Option<string?>("--out") { Description = "The zip to write, outside the folder (default: <id>-<version>.zip in the current folder, unless that holds the folder)." };
        var keyPath = new Option<string?>("--key") { Description = "Sign with this private key (<name>.key)." };
        var command = new Command("pack", "List every file with its size and SHA-256 in plugin.json, sign when given a key, and write a zip.") { folder, output, keyPath };
        command.SetAction(parse => Run(() =>
        {
            var dir = parse.GetValue(folder)!;
            using var key = parse.GetValue(keyPath) is { } k ? SigningKey.Load(k) : null;
            var result = PluginPackager.Pack(dir, parse.GetValue(output), key, ToolRuntimes.Create());
            Console.Out.WriteLine($"{result.ZipPath}: {result.Id} {result.Version}, {result.FileCount} file(s), {(result.KeyId is null ? "unsigned" : "signed by " + result.KeyId)}");
        }));
        return command;
    }

    public static Command Sign()
    {
        var package = new Argument<string>("package") { Description = "A package folder or zip." };
        var keyPath = new Option<string>("--key") { Description = "The private key (<name>.key).", Required = true };
        var command = new Command("sign", "Sign a package folder or zip in place (writes plugin.sig).") { package, keyPath };
        command.SetAction(parse => Run(() =>
        {
            var path = parse.GetValue(package)!;
            using var key = SigningKey.Load(parse.GetValue(keyPath)!);
            var runtimes = ToolRuntimes.Create();
            var keyId = Directory.Exists(path) ? PluginPackager.Sign(path, key, runtimes) : PluginPackager.SignZip(path, key, runtimes);
            Console.Out.WriteLine($"{path}: signed by {keyId}");
        }));
        return command;
    }

    public static Command Verify()
    {
        var package = new Argument<string>("package") { Description = "A package folder or zip." };
        var trust = new Option<string>("--trust") { Description = "A trust folder (*.pub, pins.json, revoked.txt) or one .pub file.", Required = true };
        var command = new Command("verify", "Verify a package as a host would; exit 0 when it verifies.") { package, trust };
        command.SetAction(parse => Run(() =>
        {
            using var store = TrustStore.Load(parse.GetValue(trust)!);
            var (id, version, keyId) = PluginPackager.Verify(parse.GetValue(package)!, store, runtimes: ToolRuntimes.Create());
            Console.Out.WriteLine($"ok: {id} {version} signed by {keyId}");
        }, prefix: "rejected"));
        return command;
    }

    /// <summary>
    /// Runs a package command. A rejected package or manifest prints its code and reason
    /// (<c>rejected HP1013: ...</c>, <c>error HP1111: ...</c>), any other expected failure its reason, never a
    /// stack trace; each exits 1.
    /// </summary>
    private static int Run(Action action, string prefix = "error")
    {
        try
        {
            action();
            return ExitCodes.Ok;
        }
        catch (PluginException ex) when (ex is PackageVerificationException or PluginManifestException)
        {
            // The message starts with the code: "HP1013: ...".
            Console.Error.WriteLine($"{prefix} {ex.Message}");
            return ExitCodes.Failed;
        }
        catch (Exception ex) when (ex is PluginException or IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.Failed;
        }
    }
}
