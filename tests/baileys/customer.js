// A customer on Baileys 6 for walink's tests (tests/it/baileys.rs).
// Usage: node customer.js WS_URL CONTROL_URL AUTH_DIR PHONE
// Links itself by QR through the simulator's phone (its control API), then
// speaks JSON lines. Out (stdout): {"event":"open","jid"}, {"event":"message",
// "id","from","text"}, {"event":"sent","id"}, {"event":"error","message"}.
// In (stdin): {"send":{"to":JID,"text":T}}, {"read":{"id":ID,"from":JID}}.
const { default: makeWASocket, useMultiFileAuthState, DisconnectReason, Browsers } = require('baileys');
const pino = require('pino');
const readline = require('readline');

const [ws, control, dir, phone] = process.argv.slice(2);
const out = (o) => process.stdout.write(JSON.stringify(o) + '\n');
let sock;

async function connect() {
  const { state, saveCreds } = await useMultiFileAuthState(dir);
  sock = makeWASocket({
    waWebSocketUrl: ws,
    auth: state,
    logger: pino({ level: process.env.BAILEYS_LOG || 'silent' }, pino.destination(2)),
    browser: Browsers.ubuntu('Chrome'),
    markOnlineOnConnect: false,
  });
  sock.ev.on('creds.update', saveCreds);
  sock.ev.on('connection.update', async ({ connection, lastDisconnect, qr, receivedPendingNotifications }) => {
    // Fresh from pairing, Baileys holds its events back until the phone's
    // first history sync (chats.js, needToFlushWithAppStateSync). A real
    // phone sends that as a blob only WhatsApp's media servers serve; the
    // simulated phone sends none, so the customer lets its events go itself.
    if (receivedPendingNotifications) setImmediate(() => { if (sock.ev.isBuffering()) sock.ev.flush(); });
    if (qr) {
      try {
        const r = await fetch(`${control}/phone/scan?phone=${phone}`, { method: 'POST', body: qr });
        if (r.status !== 200) out({ event: 'error', message: `scan: ${r.status} ${await r.text()}` });
      } catch (e) {
        out({ event: 'error', message: `scan: ${e}` });
      }
    }
    if (connection === 'open') out({ event: 'open', jid: sock.user.id });
    if (connection === 'close') {
      const code = lastDisconnect?.error?.output?.statusCode;
      // After pairing the server asks for a new connection (515).
      if (code === DisconnectReason.restartRequired) connect();
      else { out({ event: 'closed', code }); process.exit(2); }
    }
  });
  sock.ev.on('messages.upsert', ({ messages }) => {
    for (const m of messages) {
      if (m.key.fromMe) continue;
      const text = m.message?.conversation ?? m.message?.extendedTextMessage?.text ?? null;
      out({ event: 'message', id: m.key.id, from: m.key.remoteJid, text, stub: m.messageStubType ?? null });
    }
  });
}

readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  try {
    const cmd = JSON.parse(line);
    if (cmd.send) {
      const m = await sock.sendMessage(cmd.send.to, { text: cmd.send.text });
      out({ event: 'sent', id: m.key.id });
    }
    if (cmd.read) await sock.readMessages([{ remoteJid: cmd.read.from, id: cmd.read.id, fromMe: false }]);
  } catch (e) {
    out({ event: 'error', message: String(e) });
  }
}).on('close', () => process.exit(0));

connect();
