// `servo-edge ports`: lists serial ports with their stable /dev/serial/by-id names.

import { listSerialPorts, type PortListDeps } from '../../ports/list-serial-ports.js';
import { type CliCommand, EXIT_OK, EXIT_USAGE } from '../cli-command.js';

export function createPortsCommand(deps: PortListDeps = {}): CliCommand {
  return {
    name: 'ports',
    summary: 'List serial ports (use the /dev/serial/by-id paths in the config).',
    usage: 'ports',
    async run(args, io) {
      if (args.length > 0) {
        io.err('usage: servo-edge ports  [EDGE_CLI_USAGE]');
        return EXIT_USAGE;
      }
      const listing = await listSerialPorts(deps);
      if (listing.warning) io.err(`warning: ${listing.warning.message} [${listing.warning.code}]`);
      if (listing.ports.length === 0) {
        io.out('no serial ports found');
        return EXIT_OK;
      }
      for (const port of listing.ports) {
        const ids = port.vendorId ? ` ${port.vendorId}:${port.productId ?? '?'}` : '';
        const who = [port.manufacturer, port.serialNumber].filter(Boolean).join(' ');
        io.out(`${port.path}${ids}${who ? ` ${who}` : ''}`);
        if (port.byId) io.out(`  ${port.byId}`);
      }
      return EXIT_OK;
    },
  };
}
