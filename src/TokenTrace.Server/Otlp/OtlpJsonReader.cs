using System.Globalization;
using System.Text.Json;
using Google.Protobuf;
using TokenTrace.Server.Otlp.Proto;

namespace TokenTrace.Server.Otlp;

/// <summary>
/// Reads OTLP/JSON (the OTLP specification's JSON encoding, which is not plain proto3 JSON: trace and span ids are
/// hexadecimal, enums are integers, 64-bit integers may be strings or numbers) into the same messages the protobuf
/// encoding decodes to, so both take one path to records. Keys are read in lowerCamelCase or snake_case; unknown keys are
/// ignored, as the specification asks. A value of the wrong type is a <see cref="FormatException"/> naming its path.
/// </summary>
internal static class OtlpJsonReader
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    public static ExportTraceServiceRequest ReadTraces(ReadOnlyMemory<byte> body)
    {
        using var document = Parse(body);
        var request = new ExportTraceServiceRequest();
        foreach (var (resourceSpans, path) in Array(document.RootElement, "resourceSpans", "$"))
        {
            var item = new ResourceSpans { Resource = ReadResource(resourceSpans, path) };
            foreach (var (scopeSpans, scopePath) in Array(resourceSpans, "scopeSpans", path))
            {
                var scope = new ScopeSpans { Scope = ReadScope(scopeSpans, scopePath) };
                foreach (var (span, spanPath) in Array(scopeSpans, "spans", scopePath))
                {
                    scope.Spans.Add(ReadSpan(span, spanPath));
                }

                item.ScopeSpans.Add(scope);
            }

            request.ResourceSpans.Add(item);
        }

        return request;
    }

    public static ExportMetricsServiceRequest ReadMetrics(ReadOnlyMemory<byte> body)
    {
        using var document = Parse(body);
        var request = new ExportMetricsServiceRequest();
        foreach (var (resourceMetrics, path) in Array(document.RootElement, "resourceMetrics", "$"))
        {
            var item = new ResourceMetrics { Resource = ReadResource(resourceMetrics, path) };
            foreach (var (scopeMetrics, scopePath) in Array(resourceMetrics, "scopeMetrics", path))
            {
                var scope = new ScopeMetrics { Scope = ReadScope(scopeMetrics, scopePath) };
                foreach (var (metric, metricPath) in Array(scopeMetrics, "metrics", scopePath))
                {
                    scope.Metrics.Add(ReadMetric(metric, metricPath));
                }

                item.ScopeMetrics.Add(scope);
            }

            request.ResourceMetrics.Add(item);
        }

        return request;
    }

    private static JsonDocument Parse(ReadOnlyMemory<byte> body)
    {
        // JsonDocument accepts invalid UTF-8 inside strings and only fails when one is read (an InvalidOperationException
        // deep in the mapping); checked once here, it is a clear 400.
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            throw new FormatException("$: the body is not valid UTF-8");
        }

        var document = JsonDocument.Parse(body, DocumentOptions);
        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            document.Dispose();
            throw new FormatException("$: expected a JSON object");
        }

        return document;
    }

    private static Span ReadSpan(JsonElement element, string path)
    {
        var span = new Span
        {
            TraceId = Hex(element, "traceId", path),
            SpanId = Hex(element, "spanId", path),
            Name = Text(element, "name", path) ?? "",
            Kind = (int)Integer(element, "kind", path),
            StartTimeUnixNano = Unsigned(element, "startTimeUnixNano", path),
            EndTimeUnixNano = Unsigned(element, "endTimeUnixNano", path),
        };
        span.Attributes.Add(Attributes(element, "attributes", path));
        if (Property(element, "status") is { } status)
        {
            var statusPath = path + ".status";
            Require(status, JsonValueKind.Object, statusPath);
            span.Status = new SpanStatus { Code = (int)Integer(status, "code", statusPath), Message = Text(status, "message", statusPath) ?? "" };
        }

        return span;
    }

    private static Metric ReadMetric(JsonElement element, string path)
    {
        var metric = new Metric { Name = Text(element, "name", path) ?? "", Unit = Text(element, "unit", path) ?? "" };
        if (Property(element, "histogram") is { } histogram)
        {
            var histogramPath = path + ".histogram";
            Require(histogram, JsonValueKind.Object, histogramPath);
            metric.Histogram = new Histogram { AggregationTemporality = Temporality(histogram, histogramPath) };
            foreach (var (point, pointPath) in Array(histogram, "dataPoints", histogramPath))
            {
                var read = new HistogramDataPoint
                {
                    StartTimeUnixNano = Unsigned(point, "startTimeUnixNano", pointPath),
                    TimeUnixNano = Unsigned(point, "timeUnixNano", pointPath),
                    Count = Unsigned(point, "count", pointPath),
                };
                if (Property(point, "sum") is { } sum)
                {
                    read.Sum = Double(sum, pointPath + ".sum");
                }

                read.Attributes.Add(Attributes(point, "attributes", pointPath));
                metric.Histogram.DataPoints.Add(read);
            }
        }
        else if (Property(element, "sum") is { } sum)
        {
            var sumPath = path + ".sum";
            Require(sum, JsonValueKind.Object, sumPath);
            metric.Sum = new Sum { AggregationTemporality = Temporality(sum, sumPath) };
            foreach (var _ in Array(sum, "dataPoints", sumPath))
            {
                metric.Sum.DataPoints.Add(new NumberDataPoint());
            }
        }
        else if (Property(element, "gauge") is { } gauge)
        {
            Require(gauge, JsonValueKind.Object, path + ".gauge");
            metric.Gauge = new Gauge();
            foreach (var _ in Array(gauge, "dataPoints", path + ".gauge"))
            {
                metric.Gauge.DataPoints.Add(new NumberDataPoint());
            }
        }

        // Sum and gauge points are only counted (as skipped), so their values are not read; nor are other kinds.
        return metric;
    }

    private static Resource ReadResource(JsonElement element, string path)
    {
        var resource = new Resource();
        if (Property(element, "resource") is { } value)
        {
            Require(value, JsonValueKind.Object, path + ".resource");
            resource.Attributes.Add(Attributes(value, "attributes", path + ".resource"));
        }

        return resource;
    }

    private static InstrumentationScope? ReadScope(JsonElement element, string path)
    {
        if (Property(element, "scope") is not { } value)
        {
            return null;
        }

        Require(value, JsonValueKind.Object, path + ".scope");
        return new InstrumentationScope { Name = Text(value, "name", path + ".scope") ?? "", Version = Text(value, "version", path + ".scope") ?? "" };
    }

    private static IEnumerable<KeyValue> Attributes(JsonElement element, string name, string path) =>
        Array(element, name, path).Select(pair => ReadKeyValue(pair.Element, pair.Path)).ToList();

    private static KeyValue ReadKeyValue(JsonElement element, string path) => new()
    {
        Key = Text(element, "key", path) ?? throw new FormatException($"{path}.key: required"),
        Value = Property(element, "value") is { } value ? ReadAnyValue(value, path + ".value") : new AnyValue(),
    };

    private static AnyValue ReadAnyValue(JsonElement element, string path)
    {
        Require(element, JsonValueKind.Object, path);
        var value = new AnyValue();
        if (Property(element, "stringValue") is { } text)
        {
            value.StringValue = text.ValueKind == JsonValueKind.String ? text.GetString()! : throw Wrong(path + ".stringValue", "a string");
        }
        else if (Property(element, "intValue") is { } integer)
        {
            value.IntValue = Long(integer, path + ".intValue");
        }
        else if (Property(element, "doubleValue") is { } number)
        {
            value.DoubleValue = Double(number, path + ".doubleValue");
        }
        else if (Property(element, "boolValue") is { } flag)
        {
            value.BoolValue = flag.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Wrong(path + ".boolValue", "true or false"),
            };
        }
        else if (Property(element, "arrayValue") is { } array)
        {
            Require(array, JsonValueKind.Object, path + ".arrayValue");
            value.ArrayValue = new ArrayValue();
            value.ArrayValue.Values.Add(Array(array, "values", path + ".arrayValue").Select(v => ReadAnyValue(v.Element, v.Path)).ToList());
        }
        else if (Property(element, "kvlistValue") is { } list)
        {
            Require(list, JsonValueKind.Object, path + ".kvlistValue");
            value.KvlistValue = new KeyValueList();
            value.KvlistValue.Values.Add(Array(list, "values", path + ".kvlistValue").Select(v => ReadKeyValue(v.Element, v.Path)).ToList());
        }
        else if (Property(element, "bytesValue") is { } bytes)
        {
            value.BytesValue = bytes.ValueKind == JsonValueKind.String && bytes.TryGetBytesFromBase64(out var decoded)
                ? ByteString.CopyFrom(decoded)
                : throw Wrong(path + ".bytesValue", "base64 text");
        }

        return value;
    }

    /// <summary>The elements of the array <paramref name="name"/> with their paths; none when it is absent or null.</summary>
    private static IEnumerable<(JsonElement Element, string Path)> Array(JsonElement element, string name, string path)
    {
        if (Property(element, name) is not { } array)
        {
            return [];
        }

        var arrayPath = path + "." + name;
        Require(array, JsonValueKind.Array, arrayPath);
        return array.EnumerateArray().Select((item, index) =>
        {
            var itemPath = string.Create(CultureInfo.InvariantCulture, $"{arrayPath}[{index}]");
            Require(item, JsonValueKind.Object, itemPath);
            return (item, itemPath);
        }).ToList();
    }

    /// <summary>The property named <paramref name="name"/> (lowerCamelCase) or its snake_case spelling; null when absent or JSON null.</summary>
    private static JsonElement? Property(JsonElement element, string name)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (property.Value.ValueKind != JsonValueKind.Null && (property.NameEquals(name) || SnakeEquals(property.Name, name)))
            {
                return property.Value;
            }
        }

        return null;
    }

    private static bool SnakeEquals(string snake, string camel)
    {
        var j = 0;
        foreach (var c in snake)
        {
            if (c == '_')
            {
                continue;
            }

            if (j >= camel.Length || char.ToLowerInvariant(camel[j]) != c)
            {
                return false;
            }

            j++;
        }

        return j == camel.Length && snake.Contains('_', StringComparison.Ordinal);
    }

    private static string? Text(JsonElement element, string name, string path) => Property(element, name) switch
    {
        null => null,
        { ValueKind: JsonValueKind.String } value => value.GetString(),
        _ => throw Wrong(path + "." + name, "a string"),
    };

    private static ByteString Hex(JsonElement element, string name, string path)
    {
        var text = Text(element, name, path);
        if (string.IsNullOrEmpty(text))
        {
            return ByteString.Empty;
        }

        try
        {
            return ByteString.CopyFrom(Convert.FromHexString(text));
        }
        catch (FormatException)
        {
            throw Wrong(path + "." + name, "hexadecimal (OTLP/JSON ids are hex, not base64)");
        }
    }

    private static int Temporality(JsonElement element, string path) => Property(element, "aggregationTemporality") switch
    {
        { ValueKind: JsonValueKind.String } named when named.GetString() == "AGGREGATION_TEMPORALITY_DELTA" => 1,
        { ValueKind: JsonValueKind.String } named when named.GetString() == "AGGREGATION_TEMPORALITY_CUMULATIVE" => 2,
        _ => (int)Integer(element, "aggregationTemporality", path),
    };

    private static long Integer(JsonElement element, string name, string path)
    {
        var value = Property(element, name) is { } found ? Long(found, path + "." + name) : 0;
        return value is >= int.MinValue and <= int.MaxValue ? value : throw Wrong(path + "." + name, "a 32-bit integer");
    }

    private static long Long(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetInt64(out var value) => value,
        JsonValueKind.String when long.TryParse(element.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw Wrong(path, "an integer (a number or a decimal string)"),
    };

    private static ulong Unsigned(JsonElement element, string name, string path) => Property(element, name) switch
    {
        null => 0,
        { ValueKind: JsonValueKind.Number } value when value.TryGetUInt64(out var number) => number,
        { ValueKind: JsonValueKind.String } value when ulong.TryParse(value.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out var number) => number,
        _ => throw Wrong(path + "." + name, "an unsigned integer (a number or a decimal string)"),
    };

    private static double Double(JsonElement element, string path) => element.ValueKind switch
    {
        JsonValueKind.Number when element.TryGetDouble(out var value) => value,
        JsonValueKind.String when double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) => value,
        _ => throw Wrong(path, "a number"),
    };

    private static void Require(JsonElement element, JsonValueKind kind, string path)
    {
        if (element.ValueKind != kind)
        {
            throw Wrong(path, kind == JsonValueKind.Array ? "an array" : "an object");
        }
    }

    private static FormatException Wrong(string path, string expected) => new($"{path}: expected {expected}");
}
