"""Where an app's traffic goes: packet captures, HAR files and Zeek logs → attributed endpoints."""
