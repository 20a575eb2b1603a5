using System;

namespace Hotplug.Generators;

/// <summary>How a contract method returns, which decides the shape of its routed body.</summary>
internal enum ReturnKind
{
    Sync,
    Void,
    Task,
    TaskOfT,
    ValueTask,
    ValueTaskOfT,
    AsyncEnumerable,
}

/// <summary>One parameter of a contract method.</summary>
internal sealed record ParameterModel(string Type, string Name, string Modifier, bool IsCancellationToken) : IEquatable<ParameterModel>;

/// <summary>One method of a contract, flattened with its declaring interface.</summary>
internal sealed record MethodModel(
    string DeclaringInterface,
    string Name,
    string ReturnType,
    ReturnKind Kind,
    EquatableArray<ParameterModel> Parameters) : IEquatable<MethodModel>;

/// <summary>A contract to generate a router for.</summary>
internal sealed record ContractModel(string FullName, string RouterName, EquatableArray<MethodModel> Methods) : IEquatable<ContractModel>;

/// <summary>A problem found in a contract, reported where it was declared.</summary>
internal sealed record ContractProblem(string DiagnosticId, string Member, string Contract, LocationInfo? Location) : IEquatable<ContractProblem>;

/// <summary>A location that can live in an incremental model (no syntax trees held).</summary>
internal sealed record LocationInfo(string FilePath, Microsoft.CodeAnalysis.Text.TextSpan Span, Microsoft.CodeAnalysis.Text.LinePositionSpan LineSpan)
{
    public Microsoft.CodeAnalysis.Location ToLocation() => Microsoft.CodeAnalysis.Location.Create(FilePath, Span, LineSpan);

    public static LocationInfo? From(Microsoft.CodeAnalysis.Location location) =>
        location.IsInSource ? new LocationInfo(location.SourceTree!.FilePath, location.SourceSpan, location.GetLineSpan().Span) : null;
}

/// <summary>The result of analysing one contract interface.</summary>
internal sealed record ContractAnalysis(ContractModel? Contract, EquatableArray<ContractProblem> Problems) : IEquatable<ContractAnalysis>;
