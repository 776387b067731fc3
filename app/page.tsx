/** Landing page: what this server is and how to talk to it. */
export default function HomePage() {
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 720, margin: '3rem auto', lineHeight: 1.5 }}>
      <h1>Hive Control</h1>
      <p>Dispatch a task to the hive:</p>
      <pre style={{ whiteSpace: 'pre-wrap' }}>
        {`curl -X POST http://localhost:8010/api/tasks/run -H "Content-Type: application/json" \\
  -d '{"intent": "code", "title": "Create hello.py", "summary": "Write a hello world script"}'`}
      </pre>
      <p>
        Then ask for its status at <code>/api/tasks/status/&lt;task_id&gt;</code>.
      </p>
    </main>
  );
}
