using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;

namespace Hotplug.Admin;

/// <summary>Calls the admin API of a running host, found through its state folder's <c>admin.json</c>.</summary>
public sealed class HotplugAdminClient : IDisposable
{
    private const string NdjsonType = "application/x-ndjson";

    private readonly HttpClient _http;

    /// <summary>Creates a client for the host whose <c>admin.json</c> is in <paramref name="statePath"/>.</summary>
    /// <param name="statePath">The host's state folder.</param>
    /// <exception cref="AdminApiException">No host is running with that state folder.</exception>
    public HotplugAdminClient(string statePath)
    {
        StatePath = statePath;
        var file = AdminFile.Read(statePath);
        _http = new HttpClient { BaseAddress = new Uri(file.Url), Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", file.Token);
    }

    /// <summary>Gets the state folder the host was found through.</summary>
    public string StatePath { get; }

    /// <summary>Lists the plugins: the JSON array of <c>GET /v1/plugins</c>.</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The array.</returns>
    public Task<JsonElement> ListAsync(CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, "v1/plugins", null, cancellationToken);

    /// <summary>Gets one plugin: <c>GET /v1/plugins/{id}</c>.</summary>
    /// <param name="id">The plugin id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The plugin's status.</returns>
    public Task<JsonElement> GetAsync(string id, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Get, $"v1/plugins/{Uri.EscapeDataString(id)}", null, cancellationToken);

    /// <summary>Calls a plugin method by name: <c>POST /v1/plugins/{id}/invoke/{method}</c>.</summary>
    /// <param name="id">The plugin id.</param>
    /// <param name="method">The method name.</param>
    /// <param name="argumentsJson">A JSON object of arguments by parameter name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The method's result as JSON.</returns>
    /// <exception cref="AdminApiException">The call failed; a stream method fails with <c>bad_arguments</c>: read it with <see cref="InvokeStreamAsync"/>.</exception>
    public Task<JsonElement> InvokeAsync(string id, string method, string argumentsJson, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, InvokePath(id, method), argumentsJson, cancellationToken);

    /// <summary>
    /// Calls a plugin method by name and hands over its results as they arrive: each item of a stream method,
    /// read from the host's NDJSON as the plugin produces it, or the one result of any other method.
    /// </summary>
    /// <param name="id">The plugin id.</param>
    /// <param name="method">The method name.</param>
    /// <param name="argumentsJson">A JSON object of arguments by parameter name.</param>
    /// <param name="cancellationToken">Cancels the call: the request is dropped, and the host cancels the plugin's call.</param>
    /// <returns>The results, read from the response one at a time as they are asked for.</returns>
    /// <exception cref="AdminApiException">The call failed, before its first result or after some.</exception>
    public async IAsyncEnumerable<JsonElement> InvokeStreamAsync(string id, string method, string argumentsJson, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, InvokePath(id, method)) { Content = new StringContent(argumentsJson, Encoding.UTF8, "application/json") };
        request.Headers.Accept.ParseAdd(NdjsonType);
        request.Headers.Accept.ParseAdd("application/json");
        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.Content.Headers.ContentType?.MediaType != NdjsonType)
        {
            yield return await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
            yield break;
        }

        var status = (int)response.StatusCode;
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), Encoding.UTF8);
        while (await ReadLineAsync(reader, status, cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length > 0)
            {
                yield return ParseLine(line, status);
            }
        }
    }

    /// <summary>Lets the host go down to an older version of a plugin once: <c>POST /v1/plugins/{id}/rollback</c>.</summary>
    /// <param name="id">The plugin id.</param>
    /// <param name="version">The older version to allow.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the host accepted it.</returns>
    public Task AllowDowngradeAsync(string id, string version, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"v1/plugins/{Uri.EscapeDataString(id)}/rollback", JsonSerializer.Serialize(new { version }), cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private static string InvokePath(string id, string method) => $"v1/plugins/{Uri.EscapeDataString(id)}/invoke/{Uri.EscapeDataString(method)}";

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        request.Headers.Accept.ParseAdd("application/json");
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await SendCoreAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        return await ReadJsonAsync(response, cancellationToken).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendCoreAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new AdminApiException(
                "no_host",
                $"The Hotplug host of state folder {Path.GetFullPath(StatePath)} does not answer at {_http.BaseAddress} ({ex.Message}); it may have stopped without removing {AdminFile.FileName}.",
                0);
        }
    }

    /// <summary>Reads a JSON answer, throwing the host's error when it is one.</summary>
    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        JsonElement json;
        try
        {
            json = string.IsNullOrEmpty(text) ? default : JsonDocument.Parse(text).RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new AdminApiException("bad_response", $"The host answered {(int)response.StatusCode} with a body that is not JSON: {text}", (int)response.StatusCode);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw Error(json, (int)response.StatusCode) ?? new AdminApiException("http_" + (int)response.StatusCode, text, (int)response.StatusCode);
        }

        return json;
    }

    private static async Task<string?> ReadLineAsync(StreamReader reader, int status, CancellationToken cancellationToken)
    {
        try
        {
            return await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            throw new AdminApiException("bad_response", $"The host ended the stream before its end: {ex.Message}", status);
        }
    }

    /// <summary>Reads one NDJSON line: <c>{"result": ...}</c>, or the error that ended the call.</summary>
    private static JsonElement ParseLine(string line, int status)
    {
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(line);
            json = document.RootElement.Clone();
        }
        catch (JsonException)
        {
            throw new AdminApiException("bad_response", $"The host streamed a line that is not JSON: {line}", status);
        }

        if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("result", out var result))
        {
            return result;
        }

        throw Error(json, status) ?? new AdminApiException("bad_response", $"The host streamed a line that is neither a result nor an error: {line}", status);
    }

    private static AdminApiException? Error(JsonElement json, int status) =>
        json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object &&
        error.TryGetProperty("code", out var code) && error.TryGetProperty("message", out var message)
            ? new AdminApiException(code.GetString() ?? "error", message.GetString() ?? json.GetRawText(), status)
            : null;
}
