// OpenTelemetry: an app that knows nothing of TokenTrace, instrumented with OpenTelemetry the usual way, reports its
// model calls to a team server. M.E.AI's UseOpenTelemetry() makes a gen_ai span per call (model, token usage); the
// OTLP exporter sends them over HTTP to `tokentrace serve`, which turns each into a priced record, attributed to the
// service's name as its project (docs/end_user/otlp.md). An app in any language with a gen_ai instrumentation does the same.
//
// Where to: the OTLP exporter's own settings, e.g.
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:5080  OTEL_EXPORTER_OTLP_HEADERS="Authorization=Bearer tt_…"
// (a write token from `tokentrace serve token add --scope write`).
using System.ClientModel;
using Microsoft.Extensions.AI;
using OpenAI;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using TokenTrace.Examples.ModelServer;

if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OTEL_EXPORTER_OTLP_ENDPOINT")))
{
    Console.Error.WriteLine("Set OTEL_EXPORTER_OTLP_ENDPOINT to the server (e.g. http://127.0.0.1:5080) and OTEL_EXPORTER_OTLP_HEADERS to \"Authorization=Bearer <write token>\".");
    return 2;
}

// The server speaks OTLP/HTTP (protobuf or JSON), not gRPC: the one setting the exporter needs besides the environment.
using (var tracing = Sdk.CreateTracerProviderBuilder()
    .ConfigureResource(resource => resource.AddService("atlas-support"))
    .AddSource("Experimental.Microsoft.Extensions.AI")
    .AddOtlpExporter(exporter => exporter.Protocol = OtlpExportProtocol.HttpProtobuf)
    .Build())
{
    // A server on 127.0.0.1 that answers as the OpenAI API does, so this runs offline with the real SDK.
    await using var server = await LoopbackModelServer.StartAsync();
    using IChatClient openai = new OpenAIClient(new ApiKeyCredential("sk-example"), new OpenAIClientOptions { Endpoint = server.Endpoint })
        .GetChatClient("gpt-4o-mini").AsIChatClient()
        .AsBuilder().UseOpenTelemetry().Build();

    Console.WriteLine($"OpenAI:           {(await openai.GetResponseAsync("Summarize today's tickets.")).Text}");
    Console.Write("OpenAI, streamed: ");
    await foreach (var update in openai.GetStreamingResponseAsync("Summarize them again, streamed."))
    {
        Console.Write(update.Text);
    }

    Console.WriteLine();

    // Spans are exported in batches in the background: send what is left before the app exits.
    if (!tracing.ForceFlush(30_000))
    {
        Console.Error.WriteLine("The OTLP export did not finish within 30 s.");
        return 1;
    }
}

Console.WriteLine("Exported 2 gen_ai spans over OTLP/HTTP.");
return 0;
