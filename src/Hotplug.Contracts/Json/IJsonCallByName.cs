using System.Text.Json;

namespace Hotplug.Contracts.Json;

/// <summary>
/// What answers calls by name in JSON for one plugin version: finds the operation a name means and reads its
/// arguments. <see cref="JsonCallByName"/> answers over contract descriptors and their invokers; a runtime that
/// has no CLR contract types (a script, a bus) may answer with its own, without reflection.
/// </summary>
public interface IJsonCallByName
{
    /// <summary>Finds the operation <paramref name="name"/> means and reads its arguments, calling nothing.</summary>
    /// <param name="name">The method's name, ignoring case, with or without its <c>Async</c> suffix.</param>
    /// <param name="arguments">A JSON object of arguments by parameter name; <c>null</c> or nothing for none.</param>
    /// <returns>The call, ready to be carried out.</returns>
    /// <exception cref="OperationArgumentException">
    /// The call cannot be made as asked (no such method, an overloaded name, arguments that do not fit, a contract
    /// that cannot be called by name); the message says what to do.
    /// </exception>
    IJsonCall Prepare(string name, JsonElement arguments);
}

/// <summary>One call by name, found and read but not yet made.</summary>
public interface IJsonCall
{
    /// <summary>Gets the name of the method the call reaches, as the contract spells it.</summary>
    string MethodName { get; }

    /// <summary>Gets whether the method produces a stream of items rather than one result.</summary>
    bool StreamsOutput { get; }

    /// <summary>Carries out a method that produces one result.</summary>
    /// <param name="cancellationToken">The call's cancellation, which the method gets.</param>
    /// <returns>The result as JSON; JSON <c>null</c> for a method without one.</returns>
    Task<JsonElement> InvokeAsync(CancellationToken cancellationToken = default);

    /// <summary>Carries out the method and hands over each item of its stream as JSON as it comes.</summary>
    /// <param name="cancellationToken">The call's cancellation; the token given to the enumerator cancels it too.</param>
    /// <returns>The items; nothing is called until the first is asked for.</returns>
    IAsyncEnumerable<JsonElement> InvokeStreamAsync(CancellationToken cancellationToken = default);
}
