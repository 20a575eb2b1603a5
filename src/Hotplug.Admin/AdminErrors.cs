using Microsoft.AspNetCore.Http;

namespace Hotplug.Admin;

/// <summary>The admin API's error codes and how plugin errors map to HTTP.</summary>
internal static class AdminErrors
{
    public const string Unauthorized = "unauthorized";
    public const string NotFound = "not_found";
    public const string PluginUnavailable = "plugin_unavailable";
    public const string PluginCrashed = "plugin_crashed";
    public const string BadArguments = "bad_arguments";
    public const string BadRequest = "bad_request";
    public const string PluginError = "plugin_error";
    public const string PluginTimeout = "plugin_timeout";
    public const string Internal = "internal_error";

    public static IResult Result(int status, string code, string message) =>
        Results.Json(new ErrorBody(new ErrorDetail(code, message)), AdminJson.Options, statusCode: status);

    public static IResult From(Exception exception)
    {
        var (status, error) = Describe(exception);
        return Results.Json(new ErrorBody(error), AdminJson.Options, statusCode: status);
    }

    /// <summary>The status and error an exception from a plugin call maps to.</summary>
    public static (int Status, ErrorDetail Error) Describe(Exception exception) => exception switch
    {
        PluginUnavailableException e => (StatusCodes.Status404NotFound, new(PluginUnavailable, e.Message)),
        PluginInvocationArgumentException e => (StatusCodes.Status400BadRequest, new(BadArguments, e.Message)),
        PluginTimeoutException e => (StatusCodes.Status504GatewayTimeout, new(PluginTimeout, e.Message)),
        PluginInvocationException e => (StatusCodes.Status502BadGateway, new(PluginError, e.Message)),

        // The plugin's process died under the call: the service is down for now, and comes back when it is restarted.
        PluginCrashedException e => (StatusCodes.Status503ServiceUnavailable, new(PluginCrashed, e.Message)),
        PluginException e => (StatusCodes.Status500InternalServerError, new(Internal, e.Message)),
        _ => (StatusCodes.Status500InternalServerError, new(Internal, $"{exception.GetType().Name}: {exception.Message}")),
    };

    internal sealed record ErrorBody(ErrorDetail Error);

    internal sealed record ErrorDetail(string Code, string Message);
}
