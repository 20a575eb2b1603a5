using System;
using Hotplug.Contracts;

namespace Hotplug.Generators;

/// <summary>One parameter of a contract method.</summary>
/// <param name="Type">The type, as declared (nullable annotations kept), for signatures.</param>
/// <param name="Name">The name, escaped where it is a keyword.</param>
/// <param name="Modifier"><c>in </c> or nothing.</param>
/// <param name="Role">What the parameter is to the call.</param>
/// <param name="RuntimeType">The type without nullable annotations, for <c>typeof</c> and casts.</param>
/// <param name="ItemType">The item type of a stream parameter, as declared, or <see langword="null"/>.</param>
/// <param name="RawName">The name as declared, for messages.</param>
internal sealed record ParameterModel(string Type, string Name, string Modifier, ParameterRole Role, string RuntimeType, string? ItemType, string RawName) : IEquatable<ParameterModel>
{
    public bool IsCancellationToken => Role == ParameterRole.Token;
}

/// <summary>One method of a contract, flattened with its declaring interface.</summary>
/// <param name="DeclaringInterface">The interface that declares it, fully qualified.</param>
/// <param name="Name">The method's name.</param>
/// <param name="ReturnType">The return type, as declared.</param>
/// <param name="Shape">What it returns (<see cref="ContractRules.ShapeOf"/>).</param>
/// <param name="Parameters">Its parameters.</param>
/// <param name="ResultType">The type of the value it produces, as declared, or <see langword="null"/>.</param>
/// <param name="Nullability">What the compiler knows of nulls, as <c>GeneratedOperation</c> takes it.</param>
internal sealed record MethodModel(
    string DeclaringInterface,
    string Name,
    string ReturnType,
    ResultShape Shape,
    EquatableArray<ParameterModel> Parameters,
    string? ResultType,
    string Nullability) : IEquatable<MethodModel>;

/// <summary>A contract to generate a router (and, where the contract layer is referenced, its contract code) for.</summary>
/// <param name="FullName">The interface, fully qualified.</param>
/// <param name="RouterName">The router's class name.</param>
/// <param name="Methods">The methods.</param>
/// <param name="Describable">Whether every method follows the contract layer's parameter rules, so its contract code can be generated.</param>
internal sealed record ContractModel(string FullName, string RouterName, EquatableArray<MethodModel> Methods, bool Describable = true) : IEquatable<ContractModel>
{
    public string ContractClassName => RouterName.Substring(0, RouterName.Length - "_Router".Length) + "_Contract";
}

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
