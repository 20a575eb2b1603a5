using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;

namespace Hotplug.Scripting.CSharp;

/// <summary>A build of a plugin's sources: the assembly and its portable pdb.</summary>
/// <param name="Image">The assembly.</param>
/// <param name="Symbols">The portable pdb, with the sources embedded.</param>
internal sealed record SourceBuild(byte[] Image, byte[] Symbols);

/// <summary>Compiles a plugin's C# files with Roslyn into one library, against the references it is given only.</summary>
internal static class SourceCompiler
{
    /// <summary>How many errors a failed build's message lists.</summary>
    public const int ErrorsShown = 10;

    /// <summary>The usings every file has, as an SDK project's implicit usings give them.</summary>
    public static readonly IReadOnlyList<string> GlobalUsings =
        ["System", "System.Collections.Generic", "System.Linq", "System.Threading", "System.Threading.Tasks", "Hotplug"];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.None);

    /// <summary>Gets the compiler's version, which is part of every cache key.</summary>
    public static string CompilerVersion { get; } =
        typeof(CSharpCompilation).Assembly.GetName().Version + "/" + typeof(CSharpCompilation).Assembly.ManifestModule.ModuleVersionId;

    /// <summary>Compiles the files.</summary>
    /// <param name="assemblyName">The assembly's name.</param>
    /// <param name="files">The sources, by relative path (which errors and the pdb name them by), with their bytes.</param>
    /// <param name="references">What it compiles against.</param>
    /// <param name="cancellationToken">Stops the build.</param>
    /// <returns>The build.</returns>
    /// <exception cref="SourceCompileException">The sources do not compile.</exception>
    public static SourceBuild Compile(string assemblyName, IReadOnlyList<(string Path, byte[] Bytes)> files, IEnumerable<MetadataReference> references, CancellationToken cancellationToken)
    {
        var texts = files.Select(f => (f.Path, Text: SourceText.From(f.Bytes, f.Bytes.Length, Encoding.UTF8, SourceHashAlgorithm.Sha256, throwIfBinaryDetected: false, canBeEmbedded: true))).ToList();
        var trees = texts.Select(t => CSharpSyntaxTree.ParseText(t.Text, ParseOptions, t.Path, cancellationToken)).ToList();
        var usings = string.Concat(GlobalUsings.Select(u => $"global using global::{u};\n"));
        trees.Add(CSharpSyntaxTree.ParseText(SourceText.From(usings, Encoding.UTF8), ParseOptions, "GlobalUsings.g.cs", cancellationToken));

        var options = new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary,
            optimizationLevel: OptimizationLevel.Release,
            nullableContextOptions: NullableContextOptions.Enable,
            deterministic: true,
            allowUnsafe: false,
            // Framework implementation assemblies and contract reference assemblies name System.Runtime at different versions: unify quietly.
            specificDiagnosticOptions: new Dictionary<string, ReportDiagnostic>
            {
                ["CS1701"] = ReportDiagnostic.Suppress,
                ["CS1702"] = ReportDiagnostic.Suppress,
            });
        var compilation = CSharpCompilation.Create(assemblyName, trees, references, options);

        using var image = new MemoryStream();
        using var symbols = new MemoryStream();
        var result = compilation.Emit(
            image,
            symbols,
            embeddedTexts: texts.Select(t => EmbeddedText.FromSource(t.Path, t.Text)),
            options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb, pdbFilePath: assemblyName + ".pdb"),
            cancellationToken: cancellationToken);
        if (!result.Success)
        {
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
            throw new SourceCompileException(errors.Count, [.. errors.Take(ErrorsShown).Select(Format)]);
        }

        return new SourceBuild(image.ToArray(), symbols.ToArray());
    }

    /// <summary>Formats an error as <c>file(line,col): error CSxxxx: message</c>, as the compiler prints it.</summary>
    private static string Format(Diagnostic diagnostic) => CSharpDiagnosticFormatter.Instance.Format(diagnostic, CultureInfo.InvariantCulture);
}

/// <summary>A plugin's sources do not compile.</summary>
internal sealed class SourceCompileException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="count">How many errors there are.</param>
    /// <param name="errors">The first of them, formatted.</param>
    public SourceCompileException(int count, IReadOnlyList<string> errors)
        : base(Describe(count, errors))
    {
        Count = count;
        Errors = errors;
    }

    /// <summary>Gets how many errors there are.</summary>
    public int Count { get; }

    /// <summary>Gets the first errors, each as <c>file(line,col): error CSxxxx: message</c>.</summary>
    public IReadOnlyList<string> Errors { get; }

    private static string Describe(int count, IReadOnlyList<string> errors)
    {
        var more = count > errors.Count ? $"{Environment.NewLine}  ... and {count - errors.Count} more" : string.Empty;
        return $"{count} compile error(s):{Environment.NewLine}  {string.Join(Environment.NewLine + "  ", errors)}{more}";
    }
}
