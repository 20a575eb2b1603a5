using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Hotplug.Admin;
using Hotplug.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Hotplug.Cli.Tests;

public sealed class AdminApiTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "hotplug-admin-tests", Guid.NewGuid().ToString("N")[..10]);
    private IHost _host = null!;
    private HttpClient _http = null!;
    private AdminFile _admin = null!;

    private string StatePath => Path.Combine(_root, "state");

    public async Task InitializeAsync()
    {
        var plugins = Path.Combine(_root, "plugins");
        TestPlugins.Install(Path.Combine(plugins, "echo"), TestPlugins.Manifest("echo", "1.2.3"));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddHotplug(o =>
        {
            o.PluginsPath = plugins;
            o.StatePath = StatePath;
            o.StabilityWindow = TimeSpan.Zero;
            o.RequireSignedPackages = false;
        }).AddAdminApi(o => o.Port = 0);
        _host = builder.Build();
        await _host.StartAsync();
        await _host.Services.GetRequiredService<IPluginAdmin>().RescanAsync();
        _admin = AdminFile.Read(StatePath);
        _http = new HttpClient { BaseAddress = new Uri(_admin.Url) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _admin.Token);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _host.StopAsync();
        _host.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void AdminFile_Written_OwnerOnlyWithLoopbackUrl()
    {
        var mode = File.GetUnixFileMode(Path.Combine(StatePath, AdminFile.FileName));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
        Assert.StartsWith("http://127.0.0.1:", _admin.Url);
        Assert.Equal(Environment.ProcessId, _admin.Pid);
        Assert.True(_admin.Token.Length >= 40);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong")]
    public async Task Request_WithoutTheToken_401WithErrorShape(string? token)
    {
        using var anonymous = new HttpClient { BaseAddress = new Uri(_admin.Url) };
        if (token is not null)
        {
            anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await anonymous.GetAsync("/v1/plugins");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("unauthorized", (await Error(response)).Code);
    }

    [Fact]
    public async Task List_LoadedPlugin_CamelCaseStatus()
    {
        using var response = await _http.GetAsync("/v1/plugins");
        var plugins = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        var echo = Assert.Single(plugins.EnumerateArray());
        Assert.Equal("echo", echo.GetProperty("id").GetString());
        Assert.Equal("1.2.3", echo.GetProperty("version").GetString());
        Assert.Equal("assembly", echo.GetProperty("runtime").GetString());
        Assert.Equal("healthy", echo.GetProperty("state").GetString());
        Assert.Equal("test.echo/v1", echo.GetProperty("contracts")[0].GetString());
        Assert.Equal(JsonValueKind.Array, echo.GetProperty("previousVersions").ValueKind);
    }

    [Fact]
    public async Task Get_UnknownPlugin_404()
    {
        using var response = await _http.GetAsync("/v1/plugins/ghost");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await Error(response)).Code);
    }

    [Fact]
    public async Task Invoke_Method_200WithResult()
    {
        using var response = await Post("/v1/plugins/echo/invoke/echo", """{ "request": { "text": "hi" } }""");
        var result = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hi", result.GetProperty("text").GetString());
        Assert.Equal("1.2.3", result.GetProperty("version").GetString());
    }

    [Theory]
    [InlineData("/v1/plugins/echo/invoke/echo", """{ "request": { "text": "throw" } }""", HttpStatusCode.BadGateway, "plugin_error", "'echo' 1.2.3")]
    [InlineData("/v1/plugins/echo/invoke/nope", "{}", HttpStatusCode.BadRequest, "bad_arguments", "no method 'nope'")]
    [InlineData("/v1/plugins/echo/invoke/echo", "{ nope", HttpStatusCode.BadRequest, "bad_request", "not valid JSON")]
    [InlineData("/v1/plugins/echo/invoke/echo", "[1]", HttpStatusCode.BadRequest, "bad_request", "JSON object")]
    [InlineData("/v1/plugins/ghost/invoke/echo", "{}", HttpStatusCode.NotFound, "plugin_unavailable", "ghost")]
    public async Task Invoke_Failure_StatusAndCode(string path, string body, HttpStatusCode status, string code, string message)
    {
        using var response = await Post(path, body);
        var error = await Error(response);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task Client_AgainstRunningHost_ListsAndInvokes()
    {
        using var client = new HotplugAdminClient(StatePath);

        var list = await client.ListAsync();
        var reply = await client.InvokeAsync("echo", "EchoAsync", """{ "request": { "text": "via client" } }""");
        var error = await Assert.ThrowsAsync<AdminApiException>(() => client.InvokeAsync("echo", "echo", """{ "request": { "text": "throw" } }"""));

        Assert.Equal(1, list.GetArrayLength());
        Assert.Equal("via client", reply.GetProperty("text").GetString());
        Assert.Equal("plugin_error", error.Code);
        Assert.Equal(502, error.Status);
    }

    [Fact]
    public async Task Rollback_WithoutVersion_400AndWithVersion_200()
    {
        using var missing = await Post("/v1/plugins/echo/rollback", "{}");
        using var allowed = await Post("/v1/plugins/echo/rollback", """{ "version": "0.9.0" }""");

        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Equal("bad_request", (await Error(missing)).Code);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("/v1/plugins/echo%0A/rollback", """{ "version": "0.9.0" }""", HttpStatusCode.BadRequest, "bad_request", "is not a plugin id")]
    [InlineData("/v1/plugins/..%2F..%2Fx/rollback", """{ "version": "0.9.0" }""", HttpStatusCode.BadRequest, "bad_request", "is not a plugin id")]
    [InlineData("/v1/plugins/Echo/rollback", """{ "version": "0.9.0" }""", HttpStatusCode.BadRequest, "bad_request", "is not a plugin id")]
    [InlineData("/v1/plugins/echo/rollback", """{ "version": "../../x" }""", HttpStatusCode.BadRequest, "bad_request", "is not a semantic version")]
    [InlineData("/v1/plugins/echo/rollback", """{ "version": "1.0" }""", HttpStatusCode.BadRequest, "bad_request", "is not a semantic version")]
    [InlineData("/v1/plugins/echo/rollback", """{ "version": "0.9.0\n" }""", HttpStatusCode.BadRequest, "bad_request", "is not a semantic version")]
    [InlineData("/v1/plugins/ghost/rollback", """{ "version": "0.9.0" }""", HttpStatusCode.NotFound, "not_found", "No plugin with id 'ghost'")]
    public async Task Rollback_InvalidIdOrVersionOrUnknownPlugin_RefusedAndNothingAllowed(string path, string body, HttpStatusCode status, string code, string message)
    {
        using var response = await Post(path, body);
        var error = await Error(response);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, error.Code);
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public async Task Stop_Host_RemovesAdminFile()
    {
        await _host.StopAsync();

        Assert.False(File.Exists(Path.Combine(StatePath, AdminFile.FileName)));
        Assert.Equal("no_host", Assert.Throws<AdminApiException>(() => new HotplugAdminClient(StatePath)).Code);
    }

    private Task<HttpResponseMessage> Post(string path, string body) =>
        _http.PostAsync(path, new StringContent(body, Encoding.UTF8, "application/json"));

    private static async Task<(string Code, string Message)> Error(HttpResponseMessage response)
    {
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        return (error.GetProperty("code").GetString()!, error.GetProperty("message").GetString()!);
    }
}
