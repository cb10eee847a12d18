#!/bin/sh
# Prints the firmware's flash and static RAM use beside the ATmega2560's and fails beyond the budgets
# the Makefile states: check-size.sh AVR_SIZE ELF FLASH_BUDGET_BYTES RAM_BUDGET_BYTES
set -eu
size_tool=$1 elf=$2 flash_budget=$3 ram_budget=$4
# avr-size -A: one row per section, "name size address".
sections=$("$size_tool" -A "$elf")
text=$(echo "$sections" | awk '$1 == ".text" { print $2 }')
data=$(echo "$sections" | awk '$1 == ".data" { print $2 }')
bss=$(echo "$sections" | awk '$1 == ".bss" { print $2 }')
flash=$((text + data))
ram=$((data + bss))
echo "servo-edge firmware: flash ${flash} of 262144 bytes (budget ${flash_budget}), static RAM ${ram} of 8192 bytes (budget ${ram_budget}, the rest is stack)"
if [ "$flash" -gt "$flash_budget" ] || [ "$ram" -gt "$ram_budget" ]; then
  echo "servo-edge firmware: over budget" >&2
  exit 1
fi
