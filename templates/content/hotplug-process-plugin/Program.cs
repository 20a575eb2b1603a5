using Hotplug.Process.Plugin;
using HotplugTemplatePlugin;

// Serves GreeterPlugin over hashicorp go-plugin's protocol until the host stops it.
// Nothing may be written to standard output before the handshake: log to standard error.
return await GoPluginServer.RunAsync<GreeterPlugin>();
