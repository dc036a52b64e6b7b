/** What `pnpm start` tells a person once everything runs. */
export interface StartupFacts {
  url: string;
  kafka: string;
  postgres: string;
  redis: string;
}

/** The URL of a database or cache without its credentials. */
export const withoutCredentials = (url: string): string => {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
};

/** The short block that ends a start in a terminal: where segflow answers, its console and docs, and where its parts came from. */
export const startupBlock = ({ url, kafka, postgres, redis }: StartupFacts): string =>
  [
    '',
    `  segflow is running at ${url}`,
    '',
    `  Console    ${url}/   (segments, rule editor, customers, consumer lag)`,
    `  API docs   ${url}/docs   (OpenAPI ${url}/docs/json, AsyncAPI ${url}/docs/asyncapi.json)`,
    `  Kafka      ${kafka}`,
    `  Postgres   ${postgres}`,
    `  Redis      ${redis}`,
    '',
    '  Ctrl-C stops it.',
    '',
    '',
  ].join('\n');
