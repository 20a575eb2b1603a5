using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Hotplug.Admin;

/// <summary>Calls the admin API of a running host, found through its state folder's <c>admin.json</c>.</summary>
public sealed class HotplugAdminClient : IDisposable
{
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
    public Task<JsonElement> InvokeAsync(string id, string method, string argumentsJson, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"v1/plugins/{Uri.EscapeDataString(id)}/invoke/{Uri.EscapeDataString(method)}", argumentsJson, cancellationToken);

    /// <summary>Lets the host go down to an older version of a plugin once: <c>POST /v1/plugins/{id}/rollback</c>.</summary>
    /// <param name="id">The plugin id.</param>
    /// <param name="version">The older version to allow.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task that completes when the host accepted it.</returns>
    public Task AllowDowngradeAsync(string id, string version, CancellationToken cancellationToken = default) =>
        SendAsync(HttpMethod.Post, $"v1/plugins/{Uri.EscapeDataString(id)}/rollback", JsonSerializer.Serialize(new { version }), cancellationToken);

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();

    private async Task<JsonElement> SendAsync(HttpMethod method, string path, string? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (ex.InnerException is SocketException || ex.HttpRequestError == HttpRequestError.ConnectionError)
        {
            throw new AdminApiException(
                "no_host",
                $"The Hotplug host of state folder {Path.GetFullPath(StatePath)} does not answer at {_http.BaseAddress} ({ex.Message}); it may have stopped without removing {AdminFile.FileName}.",
                0);
        }

        using (response)
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
                if (json.ValueKind == JsonValueKind.Object && json.TryGetProperty("error", out var error) &&
                    error.TryGetProperty("code", out var code) && error.TryGetProperty("message", out var message))
                {
                    throw new AdminApiException(code.GetString() ?? "error", message.GetString() ?? text, (int)response.StatusCode);
                }

                throw new AdminApiException("http_" + (int)response.StatusCode, text, (int)response.StatusCode);
            }

            return json;
        }
    }
}
