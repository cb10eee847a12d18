// What to tell a user whose Maestro does not answer on the port they configured. The factory serial mode,
// "UART, detect baud rate", takes commands on the TX/RX pins only: "bytes sent from the Command Port will
// be ignored" (Pololu Maestro User's Guide §5.a). Nothing on the wire tells that mode apart from a dead
// device, so the message names both, and the fix for the likely one.

/** The message of MAESTRO_NO_REPLY for the Maestro at `path`. */
export function maestroNoReplyMessage(path: string, tries: number): string {
  const ttlPortHint = /-if0[2-9]$/.test(path)
    ? ` ${path} looks like the Maestro's TTL Port (interface 02): use the Command Port, the path ending in -if00.`
    : '';
  return (
    `the Maestro at ${path} did not answer Get Errors (${tries} tries). Its serial mode is probably ` +
    `"UART, detect baud rate" (the factory setting), which ignores the USB Command Port: in the Maestro ` +
    `Control Center's Serial Settings tab choose "USB Dual Port" and click Apply Settings, or without a ` +
    `desktop run \`UscCmd --getconf maestro.txt\`, set <SerialMode>USB_DUAL_PORT</SerialMode> in it and run ` +
    `\`UscCmd --configure maestro.txt\`. Also check that ${path} is the Command Port ` +
    `(/dev/serial/by-id/usb-Pololu_..._Maestro...-if00, usually /dev/ttyACM0).${ttlPortHint}`
  );
}
