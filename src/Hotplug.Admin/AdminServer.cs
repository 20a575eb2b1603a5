using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Hotplug.Manifest;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Hotplug.Admin;

/// <summary>
/// Serves the admin API on 127.0.0.1 with its own small Kestrel server, so it never shares a port or a
/// pipeline with the application's own web server, and writes the URL and token to <c>admin.json</c>.
/// </summary>
internal sealed partial class AdminServer(
    IPluginHost plugins,
    IPluginInvoker invoker,
    IPluginAdmin admin,
    IOptions<HotplugAdminOptions> adminOptions,
    IOptions<HotplugOptions> hostOptions,
    ILogger<AdminServer> logger) : IHostedService, IAsyncDisposable
{
    private readonly byte[] _token = Encoding.ASCII.GetBytes(Base64Url(RandomNumberGenerator.GetBytes(32)));
    private WebApplication? _app;
    private string? _adminFile;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var options = adminOptions.Value;
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, options.Port));
        _app = builder.Build();
        _app.Use(AuthorizeAsync);
        Map(_app);
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);

        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var statePath = options.StatePath ?? hostOptions.Value.StatePath;
        _adminFile = new AdminFile(address, Encoding.ASCII.GetString(_token), Environment.ProcessId).Write(statePath);
        LogListening(logger, address, _adminFile);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_adminFile is not null)
        {
            // Only our own: a file another host wrote since (or rewrote) is that host's.
            AdminFile.DeleteIfWrittenWith(_adminFile, Encoding.ASCII.GetString(_token));
            _adminFile = null;
        }

        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void Map(WebApplication app)
    {
        var v1 = app.MapGroup("/v1/plugins");
        v1.MapGet("/", () => Results.Json(plugins.GetPlugins(), AdminJson.Options));
        v1.MapGet("/{id}", (string id) => plugins.GetPlugin(id) is { } status
            ? Results.Json(status, AdminJson.Options)
            : AdminErrors.Result(StatusCodes.Status404NotFound, AdminErrors.NotFound, $"No plugin with id '{id}' is known to this host."));
        v1.MapPost("/{id}/invoke/{method}", InvokeAsync);
        v1.MapPost("/{id}/rollback", RollbackAsync);
        app.MapFallback(() => AdminErrors.Result(
            StatusCodes.Status404NotFound,
            AdminErrors.NotFound,
            "No such endpoint. Endpoints: GET /v1/plugins, GET /v1/plugins/{id}, POST /v1/plugins/{id}/invoke/{method}, POST /v1/plugins/{id}/rollback."));
    }

    /// <summary>
    /// Calls a method by name: the result as JSON, or, for a stream method, its results as NDJSON while they
    /// come (when the client accepts NDJSON, as curl and the hotplug command do).
    /// </summary>
    private async Task InvokeAsync(string id, string method, HttpContext context)
    {
        var cancellationToken = context.RequestAborted;
        var arguments = await ReadArgumentsAsync(context.Request, cancellationToken).ConfigureAwait(false);
        if (arguments.Error is { } bad)
        {
            await bad.ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        IResult answer;
        try
        {
            var result = await invoker.InvokeAsync(id, method, arguments.Value, cancellationToken).ConfigureAwait(false);
            answer = Results.Json(result, AdminJson.Options);
        }
        catch (PluginInvocationArgumentException) when (NdjsonResults.Accepted(context.Request))
        {
            // InvokeAsync refuses a stream method (as it does a method that does not bind) before calling the
            // plugin; read by InvokeStreamAsync it streams, and a method that really does not bind fails again.
            answer = await StreamAsync(id, method, arguments.Value, context).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            answer = AdminErrors.From(ex);
        }

        await answer.ExecuteAsync(context).ConfigureAwait(false);
    }

    private async Task<IResult> StreamAsync(string id, string method, JsonElement arguments, HttpContext context)
    {
        try
        {
            await NdjsonResults.WriteAsync(context, invoker.InvokeStreamAsync(id, method, arguments, context.RequestAborted)).ConfigureAwait(false);
            return Results.Empty;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            return AdminErrors.From(ex);
        }
    }

    private static async Task<(JsonElement Value, IResult? Error)> ReadArgumentsAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        JsonElement arguments;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            arguments = body.RootElement.Clone();
        }
        catch (JsonException ex) when (request.ContentLength is null or 0 && ex.BytePositionInLine == 0 && ex.LineNumber == 0)
        {
            arguments = JsonDocument.Parse("{}").RootElement.Clone();
        }
        catch (JsonException ex)
        {
            return (default, AdminErrors.Result(StatusCodes.Status400BadRequest, AdminErrors.BadRequest, $"The request body is not valid JSON: {ex.Message}"));
        }

        return arguments.ValueKind == JsonValueKind.Object
            ? (arguments, null)
            : (default, AdminErrors.Result(StatusCodes.Status400BadRequest, AdminErrors.BadRequest, "The request body must be a JSON object of the method's arguments by parameter name."));
    }

    private async Task<IResult> RollbackAsync(string id, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!ManifestRules.IsValidId(id))
        {
            return AdminErrors.Result(
                StatusCodes.Status400BadRequest,
                AdminErrors.BadRequest,
                $"'{Uri.EscapeDataString(id)}' is not a plugin id: ids are 1-{ManifestRules.MaxIdLength} of a-z 0-9 . - _, starting with a letter or digit.");
        }

        string? version = null;
        try
        {
            using var body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (body.RootElement.ValueKind == JsonValueKind.Object && body.RootElement.TryGetProperty("version", out var v) && v.ValueKind == JsonValueKind.String)
            {
                version = v.GetString();
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        if (string.IsNullOrWhiteSpace(version))
        {
            return AdminErrors.Result(StatusCodes.Status400BadRequest, AdminErrors.BadRequest, "The body must be {\"version\": \"<older version>\"}.");
        }

        if (!ManifestRules.IsValidVersion(version))
        {
            return AdminErrors.Result(
                StatusCodes.Status400BadRequest,
                AdminErrors.BadRequest,
                $"'{Uri.EscapeDataString(version)}' is not a semantic version (MAJOR.MINOR.PATCH, such as 1.2.0 or 2.0.0-beta.1).");
        }

        if (plugins.GetPlugin(id) is null)
        {
            // A plugin the host refuses to downgrade is one it knows: it ran it, or has just rejected the older package.
            return AdminErrors.Result(StatusCodes.Status404NotFound, AdminErrors.NotFound, $"No plugin with id '{id}' is known to this host, so there is nothing to roll back.");
        }

        admin.AllowDowngrade(id, version);
        return Results.Json(new { id, version, allowed = true }, AdminJson.Options);
    }

    private async Task AuthorizeAsync(HttpContext context, RequestDelegate next)
    {
        var header = context.Request.Headers.Authorization.ToString();
        const string Scheme = "Bearer ";
        var given = header.StartsWith(Scheme, StringComparison.Ordinal) ? Encoding.ASCII.GetBytes(header[Scheme.Length..].Trim()) : [];
        if (!CryptographicOperations.FixedTimeEquals(given, _token))
        {
            await AdminErrors.Result(StatusCodes.Status401Unauthorized, AdminErrors.Unauthorized, "Missing or wrong bearer token: send the token from admin.json as 'Authorization: Bearer <token>'.")
                .ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        await next(context).ConfigureAwait(false);
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [LoggerMessage(1100, LogLevel.Information, "Hotplug admin API on {Url} (URL and token in {AdminFile})")]
    private static partial void LogListening(ILogger logger, string url, string adminFile);
}
