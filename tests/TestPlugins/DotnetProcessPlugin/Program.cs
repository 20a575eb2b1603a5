using Hotplug.Process.Plugin;

// A .NET plugin served over go-plugin's protocol, with the same handshake settings as the Go test plugins.
return await GoPluginServer.RunAsync(new GoPluginServerOptions
{
    MagicCookieKey = "HOTPLUG_TEST_PLUGIN",
    MagicCookieValue = "d3c4f1a0",
});
