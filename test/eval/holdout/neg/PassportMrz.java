package com.example.border.mrz;

/** Data groups read from a travel document's MRZ at the e-gate. */
public record PassportMrz(
        String documentCode,
        String issuingState,
        String primaryIdentifier,
        String secondaryIdentifier,
        String documentNumber,
        String nationality,
        String dateOfBirth,
        char sex,
        String dateOfExpiry) {

    public boolean isDomestic(String homeState) {
        return homeState.equals(nationality);
    }
}
