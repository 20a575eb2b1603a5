using System.Text.Json;
using Hotplug.Contracts;
using Hotplug.Contracts.Json;
using Hotplug.Runtimes;

namespace Hotplug.Tests;

/// <summary>
/// Call by name over a version's contract interfaces when one of them cannot be called that way: the others still
/// answer, and a name that is not found says why the refused one was left out.
/// </summary>
public sealed class ContractCallByNameTests
{
    [PluginContract("test.greeter/v1")]
    public interface IGreeter
    {
        Task<string> GreetAsync(string name, CancellationToken cancellationToken = default);
    }

    // Not marked, so the generator does not refuse it at build time, as a contract assembly built without it would not be.
    public interface IFiller
    {
        void Fill(ref int value);
    }

    private sealed class Greeter : IGreeter
    {
        public Task<string> GreetAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult($"hello {name}");
    }

    private static ContractCallByName Calls(params Type[] contracts) => new("greeter", "1.0.0", contracts.Select(type =>
        new KeyValuePair<Type, Func<ContractDescriptor, IOperationInvoker>>(type, descriptor => new OperationDispatcher(descriptor, new Greeter()))));

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public async Task Prepare_RefusedContractBesideACallableOne_TheCallableOneAnswers()
    {
        var calls = Calls(typeof(IGreeter), typeof(IFiller));

        var result = await calls.Prepare("greet", Json("""{"name":"ada"}""")).InvokeAsync(CancellationToken.None);

        Assert.Equal("\"hello ada\"", result.GetRawText());
    }

    [Fact]
    public void Prepare_NameNotFoundWhileAContractIsRefused_NamesTheOperationsAndWhyTheContractWasLeftOut()
    {
        var calls = Calls(typeof(IGreeter), typeof(IFiller));

        var error = Assert.Throws<OperationArgumentException>(() => calls.Prepare("fill", Json("{}")));

        Assert.StartsWith("Plugin 'greeter' 1.0.0 has no method 'fill' among the contracts it can be called by name through (they have: GreetAsync).", error.Message);
        Assert.Contains($"Contract '{typeof(IFiller).FullName}' cannot be called by name:", error.Message);
        Assert.Contains("Fill", error.Message[error.Message.IndexOf("cannot be called by name:", StringComparison.Ordinal)..]);
    }

    [Fact]
    public void Prepare_EveryContractRefusedOrUnknown_SaysThePluginCannotBeCalledByNameAndWhy()
    {
        var calls = new ContractCallByName("greeter", "1.0.0",
            [new(typeof(IFiller), descriptor => new OperationDispatcher(descriptor, new Greeter()))],
            ["Contract 'test.missing/v1' is named by the manifest, but no assembly the plugin ships defines it."]);

        var error = Assert.Throws<OperationArgumentException>(() => calls.Prepare("greet", Json("{}")));

        Assert.StartsWith("Plugin 'greeter' 1.0.0 cannot be called by name. ", error.Message);
        Assert.Contains($"Contract '{typeof(IFiller).FullName}' cannot be called by name:", error.Message);
        Assert.Contains("Contract 'test.missing/v1' is named by the manifest", error.Message);
    }
}
