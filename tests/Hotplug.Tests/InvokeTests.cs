using System.Text.Json;
using Hotplug.Tests.Infrastructure;

namespace Hotplug.Tests;

public sealed class InvokeTests
{
    [Fact]
    public async Task Invoke_MethodByNameWithJsonArguments_ReturnsCamelCaseJson()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var result = await host.Invoker.InvokeAsync("echo", "echo", JsonDocument.Parse("""{ "request": { "text": "hi" } }""").RootElement);

        Assert.Equal("hi", result.GetProperty("text").GetString());
        Assert.Equal("1.0.0", result.GetProperty("version").GetString());
    }

    [Theory]
    [InlineData("nope", "{}", "has no method 'nope'")]
    [InlineData("echo", """{ "text": "x" }""", "has no parameter 'text'")]
    [InlineData("echo", "{}", "Argument 'request' of EchoAsync is missing")]
    [InlineData("echo", """{ "request": 5 }""", "Argument 'request' of EchoAsync is not a valid EchoRequest")]
    public async Task Invoke_BadMethodOrArguments_ThrowsArgumentExceptionSayingWhat(string method, string arguments, string expected)
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var error = await Assert.ThrowsAsync<PluginInvocationArgumentException>(() => host.Invoker.InvokeAsync("echo", method, JsonDocument.Parse(arguments).RootElement));

        Assert.Contains(expected, error.Message);
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task Invoke_PluginThrows_InvocationExceptionAndGateCountedOut()
    {
        await using var host = await HostFixture.StartAsync();
        await host.InstallAsync("echo", "echo", "1.0.0");

        var error = await Assert.ThrowsAsync<PluginInvocationException>(() => host.Invoker.InvokeAsync("echo", "echo", JsonDocument.Parse("""{ "request": { "text": "throw" } }""").RootElement));

        Assert.Equal("echo", error.PluginId);
        Assert.Equal(0, host.Plugins.GetPlugin("echo")!.InFlight);
    }

    [Fact]
    public async Task Invoke_UnknownPlugin_Unavailable()
    {
        await using var host = await HostFixture.StartAsync();

        await Assert.ThrowsAsync<PluginUnavailableException>(() => host.Invoker.InvokeAsync("ghost", "echo", default));
    }
}
