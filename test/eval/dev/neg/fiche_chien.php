<?php
// Fiche d'adoption d'un chien - refuge municipal
$chien = [
    'nom'    => $_POST['nom'] ?? '',
    'race'   => $_POST['race'] ?? 'Croisé',   // ex. Berger allemand, Labrador
    'sexe'   => $_POST['sexe'] ?? 'M',
    'age'    => (int) ($_POST['age'] ?? 0),
    'couleur'=> $_POST['couleur'] ?? '',
    'puce'   => $_POST['puce'] ?? '',        // numéro d'identification
];

$stmt = $pdo->prepare('INSERT INTO chiens (nom, race, sexe, age, couleur, puce) VALUES (?, ?, ?, ?, ?, ?)');
$stmt->execute(array_values($chien));
echo "Fiche enregistrée pour " . htmlspecialchars($chien['nom']) . " (" . htmlspecialchars($chien['race']) . ")";
