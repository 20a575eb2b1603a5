// A go-plugin host, as a Go application would write one: it starts the plugin given as its argument with
// AutoMTLS, pings it through grpc.health.v1, and shuts it down through the controller. Hotplug's interop
// tests run it against a .NET plugin.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

type minimal struct{ plugin.Plugin }

func (minimal) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }

func (minimal) GRPCClient(context.Context, *plugin.GRPCBroker, *grpc.ClientConn) (interface{}, error) {
	return "dispensed", nil
}

func main() {
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   "HOTPLUG_TEST_PLUGIN",
			MagicCookieValue: "d3c4f1a0",
		},
		Plugins:          map[string]plugin.Plugin{"minimal": &minimal{}},
		Cmd:              exec.Command(os.Args[1]),
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		AutoMTLS:         true,
		Logger:           hclog.New(&hclog.LoggerOptions{Output: os.Stderr, Level: hclog.Info}),
	})
	defer client.Kill()

	rpc, err := client.Client()
	if err != nil {
		fmt.Println("connect failed:", err)
		os.Exit(1)
	}

	if err := rpc.Ping(); err != nil {
		fmt.Println("ping failed:", err)
		os.Exit(1)
	}

	raw, err := rpc.Dispense("minimal")
	if err != nil {
		fmt.Println("dispense failed:", err)
		os.Exit(1)
	}

	fmt.Printf("ping ok, protocol %d, dispensed %v\n", client.NegotiatedVersion(), raw)
	client.Kill()
	if !client.Exited() {
		fmt.Println("plugin did not exit")
		os.Exit(1)
	}

	fmt.Println("plugin exited")
}
