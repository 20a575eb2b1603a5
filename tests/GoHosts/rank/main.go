// A go-plugin host that calls a Hotplug contract: it starts the plugin given as its argument with AutoMTLS,
// dispenses a client generated from the ranking/v1 .proto that `hotplug proto` exported, and ranks two items.
// Hotplug's interop tests run it against a .NET plugin serving IRanker with AddPluginContract.
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"hotplug/rankerpb"
)

type ranker struct{ plugin.Plugin }

func (ranker) GRPCServer(*plugin.GRPCBroker, *grpc.Server) error { return nil }

func (ranker) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (interface{}, error) {
	return rankerpb.NewRankerClient(conn), nil
}

func main() {
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: plugin.HandshakeConfig{
			ProtocolVersion:  1,
			MagicCookieKey:   "HOTPLUG_TEST_PLUGIN",
			MagicCookieValue: "d3c4f1a0",
		},
		Plugins:          map[string]plugin.Plugin{"ranker": &ranker{}},
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

	raw, err := rpc.Dispense("ranker")
	if err != nil {
		fmt.Println("dispense failed:", err)
		os.Exit(1)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	response, err := raw.(rankerpb.RankerClient).Rank(ctx, &rankerpb.RankRequest{
		UserId: "u1",
		Items:  []*rankerpb.RankItem{{Id: "a", Score: 0.2}, {Id: "b", Score: 0.9}, {Id: "c", Score: 0.5}},
	})
	if err != nil {
		fmt.Println("rank failed:", err)
		os.Exit(1)
	}

	fmt.Printf("ranked %v by %s\n", response.Ids, response.Strategy)
}
