/**
 * The fastify app of the service, built from `{ db, chain, config }`: OpenAPI from the routes' TypeBox schemas,
 * problem+json errors, health, authentication, rate limits, the resolver and responder, serial lists.
 */
import Fastify, { type FastifyInstance, type preHandlerAsyncHookHandler, type preHandlerHookHandler } from "fastify";
import swagger from "@fastify/swagger";
import rateLimit from "@fastify/rate-limit";
import { Type } from "@sinclair/typebox";
import type { Deployment, PharmaChainClient } from "@pharmachain/sdk";
import type { Provider } from "ethers";
import { Auth, authRoutes } from "./auth";
import type { ServiceConfig } from "./config";
import type { Db } from "./db";
import { CustodyMirror } from "./mirror";
import { problemHandler } from "./problem";
import { SerialStore } from "./serials";
import { Verifier } from "./verifier";
import { mergeLinks, verificationRoutes, type LinkProvider } from "./routes/verification";
import { alertsConfigFromEnv, alertsPlugin, startWatcher, type WatcherHandle } from "./alerts";
import { serialRoutes } from "./routes/serials";
import { DocumentKey, DocumentService, documentLinks, documentRoutes, loadPolicy } from "./documents";
import { historyRoutes } from "./routes/history";
import { webRoutes } from "./web";

/** The chain the service answers for. */
export interface Chain {
  provider: Provider;
  deployment: Deployment;
  /** A read-only SDK client (runner: the provider). */
  client: PharmaChainClient;
}

export interface AppContext {
  db: Db;
  chain: Chain;
  config: ServiceConfig;
}

export interface Service {
  app: FastifyInstance;
  mirror: CustodyMirror;
  serials: SerialStore;
  verifier: Verifier;
  auth: Auth;
  /** The document store (server/src/documents), unless the configuration turned it off. */
  documents?: DocumentService;
  requireAccount: preHandlerAsyncHookHandler;
  /** Adds links to every pack's GS1 linkset (`?linkType=all`): a part of the service names the links it answers. */
  registerLinks(provider: LinkProvider): void;
  /** Stops the mirror and the app (not the database: its owner closes it). */
  close(): Promise<void>;
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|::ffff:127\.\d+\.\d+\.\d+)$/;

export async function buildApp({ db, chain, config }: AppContext): Promise<Service> {
  const app = Fastify({
    logger: { level: config.logLevel },
    bodyLimit: 1024 * 1024,
    // no coercion: a number where a string is expected is refused, not turned into "7"
    ajv: { customOptions: { allErrors: false, coerceTypes: false } },
  });
  app.setErrorHandler(problemHandler);
  app.decorateRequest("account", null);

  const mirror = new CustodyMirror(chain.client, {
    pollMs: config.mirrorPollMs,
    onError: (error) => app.log.warn({ err: error }, "mirror sync failed"),
  });
  await mirror.start();
  const serials = new SerialStore(db);
  await serials.init();
  const verifier = new Verifier(mirror, serials);
  const watcher: WatcherHandle | undefined =
    config.alerts === false
      ? undefined
      : startWatcher({
          db,
          chain,
          config: config.alerts ?? alertsConfigFromEnv(),
          onError: (error) => app.log.warn({ err: error }, "alerts"),
        });
  const auth = new Auth({
    db,
    client: chain.client,
    currentBlock: () => mirror.block.number,
    ...(config.siweDomain ? { domain: config.siweDomain } : {}),
    sessionSeconds: config.sessionSeconds,
  });

  // Documents (server/src/documents): the read-access matrix enforced by row-level security, sealed at rest.
  let documents: DocumentService | undefined;
  if (config.documents !== false) {
    const options = config.documents ?? {};
    let key = options.key;
    if (!key && process.env.PHARMACHAIN_DOCUMENT_KEY) key = DocumentKey.parse(process.env.PHARMACHAIN_DOCUMENT_KEY);
    const keyFile = options.keyFile ?? process.env.PHARMACHAIN_DOCUMENT_KEY_FILE;
    if (!key && keyFile) key = DocumentKey.fromFile(keyFile);
    if (!key) {
      key = DocumentKey.ephemeral();
      app.log.warn(
        "documents: no PHARMACHAIN_DOCUMENT_KEY or key file: an ephemeral key, documents die with the process",
      );
    }
    documents = new DocumentService({
      db,
      client: chain.client,
      policy: loadPolicy(options.policyFile),
      key,
      ...(options.maxBytes ? { maxBytes: options.maxBytes } : {}),
    });
    await documents.init();
  }

  await app.register(swagger, {
    openapi: {
      openapi: "3.1.0",
      info: {
        title: "PharmaChain service",
        version: "0.1.0",
        description:
          "GS1 Digital Link resolver and DSCSA verification responder over the PharmaChain protocol, serial-list " +
          "store, Sign-In with Ethereum. Errors are RFC 9457 problem details (application/problem+json).",
      },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer" } } },
    },
  });

  if (config.rateLimit) {
    const limits = config.rateLimit;
    await app.register(rateLimit, {
      global: true,
      timeWindow: limits.windowMs,
      // a signed-in stakeholder is counted by account, with a higher limit; anyone else by address
      keyGenerator: async (request) => {
        const token = Auth.bearer(request);
        const address = token ? await auth.addressOf(token).catch(() => undefined) : undefined;
        return address ? `account:${address}` : `ip:${request.ip}`;
      },
      max: async (_request, key) => (key.startsWith("account:") ? limits.stakeholder : limits.public),
      allowList: (request) => !limits.limitLoopback && LOOPBACK.test(request.ip),
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        type: "urn:pharmachain:problem:rate-limited",
        title: "Too Many Requests",
        status: 429,
        detail: `rate limit of ${context.max} requests per ${context.after} exceeded`,
        message: `rate limit exceeded, retry in ${context.after}`,
      }),
    });
  }

  app.get("/openapi.json", { schema: { hide: true } }, async () => app.swagger());

  app.get(
    "/healthz",
    {
      config: { rateLimit: false },
      schema: {
        tags: ["health"],
        summary: "The process is up",
        response: { 200: Type.Object({ status: Type.String() }) },
      },
    },
    async () => ({ status: "ok" }),
  );

  app.get(
    "/readyz",
    {
      config: { rateLimit: false },
      schema: {
        tags: ["health"],
        summary: "Ready to answer: the database, the chain, how far the mirror lags",
        description: "503 when the database or the chain does not answer.",
      },
    },
    async (_request, reply) => {
      const checks: Record<string, unknown> = {};
      let ok = true;
      try {
        await db.query("select 1");
        checks.database = { ok: true, engine: db.engine };
      } catch (error) {
        ok = false;
        checks.database = { ok: false, error: String(error) };
      }
      try {
        const latest = await chain.provider.getBlockNumber();
        checks.chain = { ok: true, block: latest, chainId: chain.client.chainId.toString() };
        checks.mirror = {
          block: mirror.block.number,
          lagBlocks: latest - mirror.block.number,
          syncedMsAgo: Date.now() - mirror.lastSyncAt,
          reorgs: mirror.reorgs,
          serialLists: serials.size,
        };
      } catch (error) {
        ok = false;
        checks.chain = { ok: false, error: String(error) };
      }
      if (watcher) {
        try {
          checks.alerts = await watcher.status();
        } catch (error) {
          ok = false;
          checks.alerts = { ok: false, error: String(error) };
        }
      }
      return reply.code(ok ? 200 : 503).send({ status: ok ? "ready" : "not ready", ...checks });
    },
  );

  authRoutes(app, auth);
  const linkProviders: LinkProvider[] = [];
  if (documents) {
    // the documents of the pack's lot and product its signed-in reader may open
    const links = documentLinks(documents, auth);
    linkProviders.push((_anchor, link, request) => (request ? links(request, link.scan) : {}));
  }
  verificationRoutes(app, {
    extraLinks: (anchor, link, request) => mergeLinks(linkProviders, anchor, link, request),
    verifier,
    responderGLN: config.responderGLN,
    // with the web page served here, a browser opening a Digital Link lands on it with the verdict shown
    ...(config.webPageUrl ? { webPageUrl: config.webPageUrl } : config.webRoot ? { webPageUrl: "/?link={link}" } : {}),
    ...(config.lmsNotVerified ? { notVerified: config.lmsNotVerified } : {}),
    ...(config.rateLimit ? { notFoundPreHandler: app.rateLimit() as preHandlerAsyncHookHandler } : {}),
  });
  serialRoutes(app, { mirror, serials, requireAccount: auth.requireAccount, maxBytes: config.maxSerialListBytes });
  historyRoutes(app, { client: chain.client, deployment: chain.deployment, names: config.partyNames ?? {} });
  if (config.webRoot) await webRoutes(app, config.webRoot);

  if (documents) {
    await app.register(documentRoutes, { documents, requireAccount: auth.requireAccount as preHandlerHookHandler });
  }

  // Alerts (server/src/alerts): the API and the event stream, in a plugin of their own (its own error handler), and
  // the watcher with its webhook deliverer, both stopped with the app.
  if (watcher) {
    await app.register(alertsPlugin, {
      db,
      chain,
      requireAccount: auth.requireAccount as preHandlerHookHandler,
      config: watcher.config,
    });
  }

  app.addContentTypeParser("*", (request, _payload, done) => {
    done(
      Object.assign(new Error(`content type ${request.headers["content-type"]} is not accepted`), { statusCode: 415 }),
      undefined,
    );
  });

  await app.ready();
  return {
    app,
    mirror,
    serials,
    verifier,
    auth,
    ...(documents ? { documents } : {}),
    requireAccount: auth.requireAccount,
    registerLinks: (provider) => void linkProviders.push(provider),
    close: async () => {
      mirror.stop();
      await watcher?.stop();
      await app.close();
    },
  };
}
