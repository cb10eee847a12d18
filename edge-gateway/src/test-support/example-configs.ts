// The shipped config files and the environment that completes them (their keys come from keyEnv), for the
// tests that load them: the files people copy and run are the files the tests load.

/** edge.example.yaml: the config people copy. */
export const EXAMPLE_CONFIG_PATH = new URL('../../edge.example.yaml', import.meta.url).pathname;

/** The four secrets edge.example.yaml names by keyEnv. */
export const EXAMPLE_CONFIG_ENV = {
  SERVO_EDGE_ADMIN_KEY: 'example-admin-key-0001',
  SERVO_EDGE_OPERATOR_KEY: 'example-operator-key-01',
  SERVO_EDGE_VIEWER_KEY: 'example-viewer-key-0001',
  SERVO_EDGE_VISION_KEY: 'example-vision-key-0001',
} as const;

/** edge.demo.yaml: the `npm start` demo's config. */
export const DEMO_CONFIG_PATH = new URL('../../edge.demo.yaml', import.meta.url).pathname;

/** The five secrets edge.demo.yaml names by keyEnv (the demo generates them at start). */
export const DEMO_CONFIG_ENV = Object.fromEntries(
  ['ADMIN', 'OPERATOR', 'VIEWER', 'VISION', 'CAMERA'].map((role) => [
    `SERVO_EDGE_DEMO_${role}_KEY`,
    `demo-${role.toLowerCase()}-key-0123456789`,
  ]),
);
