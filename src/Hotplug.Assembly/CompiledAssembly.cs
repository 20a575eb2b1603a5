namespace Hotplug.Loading;

/// <summary>An assembly built in memory for a plugin version (the <c>csharp</c> runtime's build of its sources), ready to load.</summary>
/// <param name="Description">How errors name it, such as <c>the build of entry.sources</c>.</param>
/// <param name="TypeName">The entry type's full name.</param>
/// <param name="Image">The assembly's bytes, as verified: loaded from memory, so what was checked is what runs.</param>
/// <param name="Symbols">Its portable pdb, or <see langword="null"/>.</param>
/// <param name="LibraryFolder">Where the libraries it references that the host does not share are (the plugin's folder).</param>
internal sealed record CompiledAssembly(string Description, string TypeName, byte[] Image, byte[]? Symbols, string LibraryFolder);
