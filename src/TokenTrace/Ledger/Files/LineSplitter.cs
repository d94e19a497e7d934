namespace TokenTrace;

/// <summary>Splits a stream into lines of bytes without decoding, telling whether the last one ended with a newline.</summary>
internal static class LineSplitter
{
    public static IEnumerable<(byte[] Line, bool Complete)> Split(Stream stream)
    {
        var buffer = new byte[64 * 1024];
        var pending = new MemoryStream();
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var start = 0;
            while (start < read)
            {
                var newline = Array.IndexOf(buffer, (byte)'\n', start, read - start);
                if (newline < 0)
                {
                    pending.Write(buffer, start, read - start);
                    break;
                }

                byte[] line;
                if (pending.Length > 0)
                {
                    pending.Write(buffer, start, newline - start);
                    line = pending.ToArray();
                    pending.SetLength(0);
                }
                else
                {
                    line = buffer[start..newline];
                }

                yield return (line, true);
                start = newline + 1;
            }
        }

        if (pending.Length > 0)
        {
            yield return (pending.ToArray(), false);
        }
    }
}
