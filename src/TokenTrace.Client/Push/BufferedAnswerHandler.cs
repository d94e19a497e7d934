namespace TokenTrace.Client;

/// <summary>
/// Reads each answer's body to its end inside the retry pipeline. <see cref="HttpClient"/> buffers a body only after
/// every handler has returned, so a connection that broke after the headers (a server killed mid-answer) failed the
/// push outside the retries, where its batch is never sent again. Here it is a transient failure like any other, and the
/// batch is sent again (the server stores by id, so a batch stored before its answer was lost comes back as duplicates).
/// Push answers are a few hundred bytes.
/// </summary>
internal sealed class BufferedAnswerHandler : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        try
        {
            await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
