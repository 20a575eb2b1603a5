using System.IO.Compression;
using System.Xml.Linq;

namespace Hotplug.Packaging.Tests;

/// <summary>What scripts/pack.sh writes: every package, each as a feed would want it.</summary>
[Collection(PackedFeedCollection.Name)]
public sealed class PackageTests(PackedFeed feed)
{
    [Fact]
    public void PackScript_PacksEveryPackage_WithoutAWarning()
    {
        Assert.DoesNotContain("warning", feed.PackOutput, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(feed.Feed, feed.PackOutput, StringComparison.Ordinal);
        var expected = PackedFeed.LibraryIds.SelectMany(id => new[] { $"{id}.{feed.Version}.nupkg", $"{id}.{feed.Version}.snupkg" })
            .Append($"Hotplug.Templates.{feed.Version}.nupkg")
            .Order(StringComparer.Ordinal);
        Assert.Equal(expected, Directory.GetFiles(feed.Feed).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void EveryPackage_HasReadmeLicenseAndDescription()
    {
        foreach (var id in PackedFeed.LibraryIds.Append("Hotplug.Templates"))
        {
            using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"{id}.{feed.Version}.nupkg"));
            var metadata = Nuspec(package);
            Assert.Equal("MIT", Element(metadata, "license"));
            Assert.Equal("README.md", Element(metadata, "readme"));
            Assert.Contains(id, Read(package, "README.md"), StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(Element(metadata, "description")), id);
        }
    }

    [Fact]
    public void HotplugPackage_CarriesTheRouterGenerator()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"Hotplug.{feed.Version}.nupkg"));
        Assert.Contains(package.Entries, e => e.FullName == "analyzers/dotnet/cs/Hotplug.Generators.dll");
    }

    [Fact]
    public void AbstractionsPackage_CarriesTheBuildIntegrationAndItsHelper()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"Hotplug.Abstractions.{feed.Version}.nupkg"));
        var names = package.Entries.Select(e => e.FullName).ToHashSet();
        Assert.Contains("buildTransitive/Hotplug.Abstractions.props", names);
        Assert.Contains("buildTransitive/Hotplug.Abstractions.targets", names);
        Assert.Contains("tools/build/Hotplug.Build.dll", names);
        Assert.Contains("tools/build/Hotplug.Build.runtimeconfig.json", names);

        // The helper's dependencies travel with it, and the package depends on nothing of them.
        Assert.Contains("tools/build/Hotplug.Process.dll", names);
        Assert.DoesNotContain(Nuspec(package).Descendants().Where(e => e.Name.LocalName == "dependency"), d => ((string?)d.Attribute("id"))?.StartsWith("Hotplug", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void CliPackage_IsADotnetToolNamedHotplug()
    {
        using var package = ZipFile.OpenRead(Path.Combine(feed.Feed, $"Hotplug.Cli.{feed.Version}.nupkg"));
        Assert.Equal("DotnetTool", (string?)Nuspec(package).Descendants().Single(e => e.Name.LocalName == "packageType").Attribute("name"));
        var settings = package.Entries.Single(e => e.FullName.EndsWith("/DotnetToolSettings.xml", StringComparison.Ordinal));
        using var stream = settings.Open();
        Assert.Equal("hotplug", (string?)XDocument.Load(stream).Descendants("Command").Single().Attribute("Name"));
    }

    private static XElement Nuspec(ZipArchive package)
    {
        using var stream = package.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open();
        return XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
    }

    private static string? Element(XElement metadata, string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;

    private static string Read(ZipArchive package, string name)
    {
        using var reader = new StreamReader(package.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }
}
